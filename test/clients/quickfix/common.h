// Shared by the QuickFIX client and the echo acceptor fixture: one JSON line per event on stdout
// (the only thing the TypeScript side parses), QuickFIX's own wire log on stderr.
#ifndef CRUCIBLE_QF_COMMON_H
#define CRUCIBLE_QF_COMMON_H

#include <quickfix/Log.h>
#include <quickfix/Message.h>
#include <quickfix/SessionID.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace crucible {

inline std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Both processes print from QuickFIX's threads and their own main thread; a line must never be
// interleaved with another, and must reach the reader before the process blocks again.
inline std::mutex& outputMutex() {
  static std::mutex m;
  return m;
}

inline void emitLine(const std::string& json) {
  std::lock_guard<std::mutex> lock(outputMutex());
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

inline const char* msgTypeName(const std::string& t) {
  static const std::map<std::string, const char*> names = {
      {"0", "Heartbeat"},
      {"1", "TestRequest"},
      {"2", "ResendRequest"},
      {"3", "Reject"},
      {"4", "SequenceReset"},
      {"5", "Logout"},
      {"8", "ExecutionReport"},
      {"9", "OrderCancelReject"},
      {"A", "Logon"},
      {"D", "NewOrderSingle"},
      {"F", "OrderCancelRequest"},
      {"G", "OrderCancelReplaceRequest"},
      {"H", "OrderStatusRequest"},
      {"V", "MarketDataRequest"},
      {"W", "MarketDataSnapshotFullRefresh"},
      {"X", "MarketDataIncrementalRefresh"},
      {"Y", "MarketDataRequestReject"},
      {"j", "BusinessMessageReject"},
      {"q", "OrderMassCancelRequest"},
      {"r", "OrderMassCancelReport"},
  };
  auto it = names.find(t);
  return it == names.end() ? "" : it->second;
}

// Splitting the wire string rather than walking FieldMaps keeps repeating groups and the
// header/trailer in wire order, exactly as the peer sent them.
inline std::vector<std::pair<std::string, std::string>> wireFields(const std::string& wire) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t start = 0;
  while (start < wire.size()) {
    std::size_t end = wire.find('\x01', start);
    if (end == std::string::npos) end = wire.size();
    std::string pair = wire.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq != std::string::npos) fields.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

// `"msgType":..,"name":..,"fields":{tag:value},"raw":".."`; a tag repeated inside a group keeps
// its first value in `fields`, `raw` ('|'-delimited) has every occurrence.
inline std::string messageJsonBody(const FIX::Message& message) {
  std::string wire = message.toString();
  std::vector<std::pair<std::string, std::string>> fields = wireFields(wire);
  std::string msgType;
  std::ostringstream fieldsJson;
  fieldsJson << '{';
  std::map<std::string, bool> seen;
  bool first = true;
  for (const auto& f : fields) {
    if (f.first == "35" && msgType.empty()) msgType = f.second;
    if (seen[f.first]) continue;
    seen[f.first] = true;
    if (!first) fieldsJson << ',';
    first = false;
    fieldsJson << jsonString(f.first) << ':' << jsonString(f.second);
  }
  fieldsJson << '}';
  std::string raw = wire;
  for (char& c : raw) {
    if (c == '\x01') c = '|';
  }
  std::ostringstream out;
  out << "\"msgType\":" << jsonString(msgType) << ",\"name\":" << jsonString(msgTypeName(msgType))
      << ",\"fields\":" << fieldsJson.str() << ",\"raw\":" << jsonString(raw);
  return out.str();
}

// TransactTime with milliseconds, the precision QuickFIX itself stamps on SendingTime.
inline std::string utcTimestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  long millis = static_cast<long>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];  // sized for any int the compiler assumes, silencing -Wformat-truncation
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

inline std::string sessionIdString(const FIX::SessionID& id) { return id.toString(); }

// QuickFIX's ScreenLog writes to stdout, which is reserved for JSON events.
class StderrLog : public FIX::Log {
 public:
  explicit StderrLog(std::string prefix) : prefix_(std::move(prefix)) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string& s) override { write("<-", s); }
  void onOutgoing(const std::string& s) override { write("->", s); }
  void onEvent(const std::string& s) override { write("..", s); }

 private:
  void write(const char* dir, const std::string& s) {
    std::string line = s;
    for (char& c : line) {
      if (c == '\x01') c = '|';
    }
    std::lock_guard<std::mutex> lock(outputMutex());
    std::cerr << prefix_ << ' ' << dir << ' ' << line << std::endl;
  }
  std::string prefix_;
};

class StderrLogFactory : public FIX::LogFactory {
 public:
  explicit StderrLogFactory(std::string name) : name_(std::move(name)) {}
  FIX::Log* create() override { return new StderrLog(name_); }
  FIX::Log* create(const FIX::SessionID& id) override { return new StderrLog(name_ + " " + id.toString()); }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  std::string name_;
};

}  // namespace crucible

#endif
