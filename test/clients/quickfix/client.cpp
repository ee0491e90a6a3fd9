// crucible-qf-client: a QuickFIX C++ initiator driven by a line-protocol scenario on stdin.
// QuickFIX's own session layer does logon, heartbeats, sequence numbers, resends and (with
// --dict) data-dictionary validation of everything the venue sends, so a run answers "does a
// stock QuickFIX client work against this venue". See test/clients/README.md for the protocol.
#include "common.h"

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using crucible::emitLine;
using crucible::jsonString;

enum ExitCode {
  kOk = 0,
  kUsage = 2,
  kNoLogon = 3,
  kBadScenario = 4,
  kSessionLost = 5,
  kNoLogoutAck = 6,
};

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "9878";
  std::string beginString = "FIX.4.4";
  std::string senderCompId = "CLIENT";
  std::string targetCompId = "CRUCIBLE";
  std::string dictionary;  // empty: UseDataDictionary=N
  std::string heartBtInt = "30";
  std::string resetOnLogon = "Y";
  long logonTimeoutMs = 10000;
  long logoutTimeoutMs = 5000;
  std::vector<std::string> extraSettings;
};

class ClientApp : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}

  void onLogon(const FIX::SessionID& id) override {
    std::string peerLogon;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      loggedOn_ = true;
      everLoggedOn_ = true;
      peerLogon = peerLogonJson_;
    }
    emitLine("{\"event\":\"logon\",\"sessionId\":" + jsonString(id.toString()) +
             (peerLogon.empty() ? "" : "," + peerLogon) + "}");
    cv_.notify_all();
  }

  void onLogout(const FIX::SessionID& id) override {
    std::string text;
    bool wasLoggedOn;
    bool stayDown;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wasLoggedOn = loggedOn_;
      loggedOn_ = false;
      if (everLoggedOn_) sessionEnded_ = true;
      if (peerSentLogout_ && !everLoggedOn_) logonRefused_ = true;
      // A session that was up, or that the peer refused, must not be silently re-established by
      // QuickFIX's reconnect timer; only a failed TCP connect before the first logon is retried.
      stayDown = everLoggedOn_ || peerSentLogout_;
      text = logoutText_;
      logoutText_.clear();
      peerSentLogout_ = false;
    }
    if (stayDown) {
      FIX::Session* session = FIX::Session::lookupSession(id);
      if (session) session->logout();
    }
    emitLine("{\"event\":\"logout\",\"sessionId\":" + jsonString(id.toString()) +
             ",\"wasLoggedOn\":" + (wasLoggedOn ? "true" : "false") + ",\"text\":" + jsonString(text) + "}");
    cv_.notify_all();
  }

  void toAdmin(FIX::Message& message, const FIX::SessionID&) override {
    std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    // Heartbeats and test requests depend on timing, not on the scenario.
    if (type == "0" || type == "1") return;
    emitLine("{\"event\":\"sent\"," + crucible::messageJsonBody(message) + "}");
  }

  void toApp(FIX::Message& message, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    emitLine("{\"event\":\"sent\"," + crucible::messageJsonBody(message) + "}");
  }

  void fromAdmin(const FIX::Message& message, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "A") {
      std::lock_guard<std::mutex> lock(mutex_);
      peerLogonJson_ = crucible::messageJsonBody(message);
    } else if (type == "5") {
      std::lock_guard<std::mutex> lock(mutex_);
      peerSentLogout_ = true;
      logoutText_ = message.isSetField(FIX::FIELD::Text) ? message.getField(FIX::FIELD::Text) : "";
    } else if (type == "3") {
      received(message);
    }
  }

  void fromApp(const FIX::Message& message, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    received(message);
  }

  // True once logged on; false on timeout or when the peer answered the Logon with a Logout.
  bool waitForLogon(long ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return loggedOn_ || logonRefused_; });
    return loggedOn_;
  }

  bool logonRefused() {
    std::lock_guard<std::mutex> lock(mutex_);
    return logonRefused_;
  }

  bool waitForLogout(long ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return !loggedOn_; });
  }

  // Returns the number of inbound messages seen when the wait ended.
  long waitForInbound(long count, long ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(ms), [this, count] { return inbound_ >= count || sessionEnded_; });
    return inbound_;
  }

  bool loggedOn() {
    std::lock_guard<std::mutex> lock(mutex_);
    return loggedOn_;
  }

  bool sessionEnded() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessionEnded_;
  }

 private:
  void received(const FIX::Message& message) {
    emitLine("{\"event\":\"message\"," + crucible::messageJsonBody(message) + "}");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++inbound_;
    }
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  bool loggedOn_ = false;
  bool everLoggedOn_ = false;
  bool sessionEnded_ = false;
  bool logonRefused_ = false;
  bool peerSentLogout_ = false;
  long inbound_ = 0;
  std::string logoutText_;
  std::string peerLogonJson_;
};

void emitError(const std::string& message) {
  emitLine("{\"event\":\"error\",\"message\":" + jsonString(message) + "}");
}

std::vector<std::string> splitWords(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Names for readability; anything else goes on the wire verbatim, so a scenario can also send
// values the venue should reject.
std::string sideCode(const std::string& s) {
  if (s == "buy") return "1";
  if (s == "sell") return "2";
  if (s == "sell_short") return "5";
  return s;
}

std::string ordTypeCode(const std::string& s) {
  if (s == "market") return "1";
  if (s == "limit") return "2";
  if (s == "stop") return "3";
  if (s == "stop_limit") return "4";
  return s;
}

std::string tifCode(const std::string& s) {
  if (s == "day") return "0";
  if (s == "gtc") return "1";
  if (s == "ioc") return "3";
  if (s == "fok") return "4";
  if (s == "gtd") return "6";
  return s;
}

bool isAbsent(const std::string& s) { return s.empty() || s == "-"; }

struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

long parseLong(const std::string& s, const char* what) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0) throw ScenarioError(std::string("bad ") + what + ": " + s);
  return v;
}

FIX::Message appMessage(const std::string& msgType) {
  FIX::Message m;
  m.getHeader().setField(FIX::FIELD::MsgType, msgType);
  return m;
}

void requireWords(const std::vector<std::string>& w, std::size_t min, std::size_t max, const char* usage) {
  if (w.size() < min || w.size() > max) throw ScenarioError(std::string("usage: ") + usage);
}

// new <clOrdId> <symbol> <side> <ordType> <price|-> <qty> <tif|-> [stopPx]
FIX::Message newOrder(const std::vector<std::string>& w) {
  requireWords(w, 8, 9, "new <clOrdId> <symbol> <side> <ordType> <price|-> <qty> <tif|-> [stopPx]");
  FIX::Message m = appMessage("D");
  m.setField(FIX::FIELD::ClOrdID, w[1]);
  m.setField(FIX::FIELD::HandlInst, "1");
  m.setField(FIX::FIELD::Symbol, w[2]);
  m.setField(FIX::FIELD::Side, sideCode(w[3]));
  m.setField(FIX::FIELD::TransactTime, crucible::utcTimestamp());
  m.setField(FIX::FIELD::OrdType, ordTypeCode(w[4]));
  if (!isAbsent(w[5])) m.setField(FIX::FIELD::Price, w[5]);
  m.setField(FIX::FIELD::OrderQty, w[6]);
  if (!isAbsent(w[7])) m.setField(FIX::FIELD::TimeInForce, tifCode(w[7]));
  if (w.size() == 9) m.setField(FIX::FIELD::StopPx, w[8]);
  return m;
}

// cancel <origClOrdId> <clOrdId> <symbol> <side> [qty]
FIX::Message cancelOrder(const std::vector<std::string>& w) {
  requireWords(w, 5, 6, "cancel <origClOrdId> <clOrdId> <symbol> <side> [qty]");
  FIX::Message m = appMessage("F");
  m.setField(FIX::FIELD::OrigClOrdID, w[1]);
  m.setField(FIX::FIELD::ClOrdID, w[2]);
  m.setField(FIX::FIELD::Symbol, w[3]);
  m.setField(FIX::FIELD::Side, sideCode(w[4]));
  m.setField(FIX::FIELD::TransactTime, crucible::utcTimestamp());
  if (w.size() == 6) m.setField(FIX::FIELD::OrderQty, w[5]);
  return m;
}

// replace <origClOrdId> <clOrdId> <symbol> <side> <price|-> <qty> [ordType] [tif]
FIX::Message replaceOrder(const std::vector<std::string>& w) {
  requireWords(w, 7, 9, "replace <origClOrdId> <clOrdId> <symbol> <side> <price|-> <qty> [ordType] [tif]");
  FIX::Message m = appMessage("G");
  m.setField(FIX::FIELD::OrigClOrdID, w[1]);
  m.setField(FIX::FIELD::ClOrdID, w[2]);
  m.setField(FIX::FIELD::HandlInst, "1");
  m.setField(FIX::FIELD::Symbol, w[3]);
  m.setField(FIX::FIELD::Side, sideCode(w[4]));
  m.setField(FIX::FIELD::TransactTime, crucible::utcTimestamp());
  m.setField(FIX::FIELD::OrdType, ordTypeCode(w.size() >= 8 ? w[7] : "limit"));
  if (!isAbsent(w[5])) m.setField(FIX::FIELD::Price, w[5]);
  m.setField(FIX::FIELD::OrderQty, w[6]);
  if (w.size() == 9 && !isAbsent(w[8])) m.setField(FIX::FIELD::TimeInForce, tifCode(w[8]));
  return m;
}

// status <clOrdId> <symbol> <side>
FIX::Message orderStatus(const std::vector<std::string>& w) {
  requireWords(w, 4, 4, "status <clOrdId> <symbol> <side>");
  FIX::Message m = appMessage("H");
  m.setField(FIX::FIELD::ClOrdID, w[1]);
  m.setField(FIX::FIELD::Symbol, w[2]);
  m.setField(FIX::FIELD::Side, sideCode(w[3]));
  return m;
}

// raw <msgType> <tag>=<value>|<tag>=<value>...   (value "now" is the current UTC timestamp)
FIX::Message rawMessage(const std::string& line) {
  std::vector<std::string> w = splitWords(line);
  if (w.size() < 2) throw ScenarioError("usage: raw <msgType> <tag>=<value>|<tag>=<value>...");
  FIX::Message m = appMessage(w[1]);
  std::size_t typePos = line.find(w[1], line.find("raw") + 3);
  std::string rest = trim(line.substr(typePos + w[1].size()));
  std::size_t start = 0;
  while (start < rest.size()) {
    std::size_t end = rest.find('|', start);
    if (end == std::string::npos) end = rest.size();
    std::string pair = rest.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    if (eq == std::string::npos) throw ScenarioError("raw field without '=': " + pair);
    int tag = static_cast<int>(parseLong(pair.substr(0, eq), "tag"));
    std::string value = pair.substr(eq + 1);
    if (value == "now") value = crucible::utcTimestamp();
    if (tag == FIX::FIELD::MsgType) continue;
    m.setField(tag, value);
  }
  return m;
}

void usage() {
  std::cerr << "usage: crucible-qf-client [--host H] [--port P] [--begin FIX.4.2|FIX.4.4] [--sender ID]\n"
               "         [--target ID] [--dict FIX4x.xml|none] [--heartbeat S] [--reset Y|N]\n"
               "         [--logon-timeout-ms N] [--logout-timeout-ms N] [--set Key=Value]...\n"
               "       scenario lines on stdin: new, cancel, replace, status, raw, wait, await, logout\n";
}

bool parseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return false;
    if (i + 1 >= argc) {
      std::cerr << "missing value for " << a << "\n";
      return false;
    }
    std::string v = argv[++i];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = v;
    else if (a == "--begin") o.beginString = v;
    else if (a == "--sender") o.senderCompId = v;
    else if (a == "--target") o.targetCompId = v;
    else if (a == "--dict") o.dictionary = (v == "none" ? "" : v);
    else if (a == "--heartbeat") o.heartBtInt = v;
    else if (a == "--reset") o.resetOnLogon = v;
    else if (a == "--logon-timeout-ms") o.logonTimeoutMs = std::atol(v.c_str());
    else if (a == "--logout-timeout-ms") o.logoutTimeoutMs = std::atol(v.c_str());
    else if (a == "--set") o.extraSettings.push_back(v);
    else {
      std::cerr << "unknown option " << a << "\n";
      return false;
    }
  }
  return true;
}

std::string settingsText(const Options& o) {
  std::ostringstream s;
  s << "[DEFAULT]\n"
    << "ConnectionType=initiator\n"
    // The first connect may race the acceptor's start; retry quickly within the logon timeout.
    << "ReconnectInterval=1\n"
    << "StartTime=00:00:00\n"
    << "EndTime=00:00:00\n"
    << "HeartBtInt=" << o.heartBtInt << "\n"
    << "SocketConnectHost=" << o.host << "\n"
    << "SocketConnectPort=" << o.port << "\n"
    << "ResetOnLogon=" << o.resetOnLogon << "\n";
  if (o.dictionary.empty()) {
    s << "UseDataDictionary=N\n";
  } else {
    s << "UseDataDictionary=Y\n"
      << "DataDictionary=" << o.dictionary << "\n";
  }
  s << "\n[SESSION]\n"
    << "BeginString=" << o.beginString << "\n"
    << "SenderCompID=" << o.senderCompId << "\n"
    << "TargetCompID=" << o.targetCompId << "\n";
  for (const std::string& kv : o.extraSettings) s << kv << "\n";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parseArgs(argc, argv, options)) {
    usage();
    return kUsage;
  }

  std::string settingsIni = settingsText(options);
  std::cerr << "crucible-qf-client settings:\n" << settingsIni << std::endl;

  ClientApp app;
  FIX::SessionID sessionId(options.beginString, options.senderCompId, options.targetCompId);
  std::unique_ptr<FIX::SessionSettings> settings;
  FIX::MemoryStoreFactory storeFactory;
  crucible::StderrLogFactory logFactory("qf-client");
  std::unique_ptr<FIX::SocketInitiator> initiator;
  try {
    std::istringstream in(settingsIni);
    settings.reset(new FIX::SessionSettings(in));
    initiator.reset(new FIX::SocketInitiator(app, storeFactory, *settings, logFactory));
    initiator->start();
  } catch (const std::exception& e) {
    emitError(std::string("QuickFIX failed to start: ") + e.what());
    return kUsage;
  }

  auto finish = [&](int code) {
    initiator->stop(true);
    emitLine("{\"event\":\"exit\",\"code\":" + std::to_string(code) + "}");
    return code;
  };

  if (!app.waitForLogon(options.logonTimeoutMs)) {
    emitError(app.logonRefused() ? "logon refused by the peer"
                                 : "no logon within " + std::to_string(options.logonTimeoutMs) + " ms");
    return finish(kNoLogon);
  }

  std::string line;
  std::string logoutText;
  while (std::getline(std::cin, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> w = splitWords(line);
    const std::string& cmd = w[0];
    if (cmd == "logout") {
      std::size_t textPos = line.find_first_not_of(" \t", 6);
      logoutText = textPos == std::string::npos ? "" : line.substr(textPos);
      break;
    }
    if (app.sessionEnded()) {
      emitError("session ended before: " + line);
      return finish(kSessionLost);
    }
    try {
      if (cmd == "wait") {
        requireWords(w, 2, 2, "wait <ms>");
        std::this_thread::sleep_for(std::chrono::milliseconds(parseLong(w[1], "ms")));
      } else if (cmd == "await") {
        requireWords(w, 2, 3, "await <inboundCount> [timeoutMs]");
        long want = parseLong(w[1], "count");
        long timeoutMs = w.size() == 3 ? parseLong(w[2], "timeoutMs") : 5000;
        long got = app.waitForInbound(want, timeoutMs);
        if (got < want) {
          emitLine("{\"event\":\"timeout\",\"command\":" + jsonString(line) + ",\"expected\":" + std::to_string(want) +
                   ",\"received\":" + std::to_string(got) + "}");
        }
      } else {
        FIX::Message m;
        if (cmd == "new") m = newOrder(w);
        else if (cmd == "cancel") m = cancelOrder(w);
        else if (cmd == "replace") m = replaceOrder(w);
        else if (cmd == "status") m = orderStatus(w);
        else if (cmd == "raw") m = rawMessage(line);
        else throw ScenarioError("unknown command: " + cmd);
        if (!FIX::Session::sendToTarget(m, sessionId)) {
          emitError("QuickFIX refused to send: " + line);
        }
      }
    } catch (const ScenarioError& e) {
      emitError(e.what());
      if (app.loggedOn()) {
        FIX::Session* session = FIX::Session::lookupSession(sessionId);
        if (session) session->logout("scenario error");
        app.waitForLogout(options.logoutTimeoutMs);
      }
      return finish(kBadScenario);
    } catch (const FIX::Exception& e) {
      emitError(std::string("QuickFIX: ") + e.what());
      return finish(kSessionLost);
    }
  }

  // End of input means the same as a final `logout`.
  if (app.loggedOn()) {
    FIX::Session* session = FIX::Session::lookupSession(sessionId);
    if (session) session->logout(logoutText);
    if (!app.waitForLogout(options.logoutTimeoutMs)) {
      emitError("no Logout reply within " + std::to_string(options.logoutTimeoutMs) + " ms");
      return finish(kNoLogoutAck);
    }
  }
  return finish(kOk);
}
