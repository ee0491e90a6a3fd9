// crucible-qf-echo-acceptor: a QuickFIX C++ acceptor that stands in for the venue, so the client
// harnesses can be proven against a real, independent FIX engine. It acknowledges every
// NewOrderSingle with ExecutionReport New, answers cancel / replace / status for the orders it
// has seen, cancel-rejects unknown orders and business-rejects every other application message.
// It never matches. Runs until stdin closes or says "stop".
#include "common.h"

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using crucible::emitLine;
using crucible::jsonString;

struct Options {
  std::string port;
  std::string senderCompId = "CRUCIBLE";
  std::string specDir;  // holds FIX42.xml / FIX44.xml; empty: UseDataDictionary=N
  std::vector<std::pair<std::string, std::string>> clients;  // (BeginString, client comp id)
};

struct Order {
  std::string orderId;
  std::string clOrdId;
  std::string symbol;
  std::string side;
  std::string qty;
  std::string price;
  std::string ordType;
  std::string tif;
  std::string status = "0";
};

std::string field(const FIX::Message& m, int tag) { return m.isSetField(tag) ? m.getField(tag) : ""; }

class EchoApp : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    emitLine("{\"event\":\"logon\",\"sessionId\":" + jsonString(id.toString()) + "}");
  }
  void onLogout(const FIX::SessionID& id) override {
    emitLine("{\"event\":\"logout\",\"sessionId\":" + jsonString(id.toString()) + "}");
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID& id) override {
    std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "0" || type == "1") return;
    emitLine("{\"event\":\"sent\",\"sessionId\":" + jsonString(id.toString()) + "," + crucible::messageJsonBody(message) + "}");
  }
  void toApp(FIX::Message& message, const FIX::SessionID& id) throw(FIX::DoNotSend) override {
    emitLine("{\"event\":\"sent\",\"sessionId\":" + jsonString(id.toString()) + "," + crucible::messageJsonBody(message) + "}");
  }
  void fromAdmin(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "0" || type == "1") return;
    emitLine("{\"event\":\"message\",\"sessionId\":" + jsonString(id.toString()) + "," + crucible::messageJsonBody(message) + "}");
  }

  void fromApp(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    emitLine("{\"event\":\"message\",\"sessionId\":" + jsonString(id.toString()) + "," + crucible::messageJsonBody(message) + "}");
    std::string type = message.getHeader().getField(FIX::FIELD::MsgType);
    std::lock_guard<std::mutex> lock(mutex_);
    if (type == "D") onNewOrder(message, id);
    else if (type == "F") onCancel(message, id);
    else if (type == "G") onReplace(message, id);
    else if (type == "H") onStatus(message, id);
    else throw FIX::UnsupportedMessageType();  // QuickFIX answers with BusinessMessageReject
  }

 private:
  bool fix42(const FIX::SessionID& id) const { return id.getBeginString().getValue() == "FIX.4.2"; }

  std::string key(const FIX::SessionID& id, const std::string& clOrdId) const { return id.toString() + "|" + clOrdId; }

  FIX::Message report(const FIX::SessionID& id, const Order& o, const std::string& execType, const std::string& execTransType) {
    FIX::Message m;
    m.getHeader().setField(FIX::FIELD::MsgType, "8");
    m.setField(FIX::FIELD::OrderID, o.orderId);
    m.setField(FIX::FIELD::ExecID, "E" + std::to_string(++execSeq_));
    if (fix42(id)) m.setField(FIX::FIELD::ExecTransType, execTransType);
    m.setField(FIX::FIELD::ExecType, execType);
    m.setField(FIX::FIELD::OrdStatus, o.status);
    m.setField(FIX::FIELD::ClOrdID, o.clOrdId);
    m.setField(FIX::FIELD::Symbol, o.symbol);
    m.setField(FIX::FIELD::Side, o.side);
    if (!o.qty.empty()) m.setField(FIX::FIELD::OrderQty, o.qty);
    if (!o.ordType.empty()) m.setField(FIX::FIELD::OrdType, o.ordType);
    if (!o.price.empty()) m.setField(FIX::FIELD::Price, o.price);
    if (!o.tif.empty()) m.setField(FIX::FIELD::TimeInForce, o.tif);
    m.setField(FIX::FIELD::LeavesQty, o.status == "0" ? (o.qty.empty() ? "0" : o.qty) : "0");
    m.setField(FIX::FIELD::CumQty, "0");
    m.setField(FIX::FIELD::AvgPx, "0");
    m.setField(FIX::FIELD::TransactTime, crucible::utcTimestamp());
    return m;
  }

  void send(FIX::Message& m, const FIX::SessionID& id) { FIX::Session::sendToTarget(m, id); }

  void onNewOrder(const FIX::Message& in, const FIX::SessionID& id) {
    Order o;
    o.orderId = "O" + std::to_string(++orderSeq_);
    o.clOrdId = field(in, FIX::FIELD::ClOrdID);
    o.symbol = field(in, FIX::FIELD::Symbol);
    o.side = field(in, FIX::FIELD::Side);
    o.qty = field(in, FIX::FIELD::OrderQty);
    o.price = field(in, FIX::FIELD::Price);
    o.ordType = field(in, FIX::FIELD::OrdType);
    o.tif = field(in, FIX::FIELD::TimeInForce);
    orders_[key(id, o.clOrdId)] = o;
    FIX::Message er = report(id, o, "0", "0");
    send(er, id);
  }

  void cancelReject(const FIX::Message& in, const FIX::SessionID& id, const std::string& responseTo) {
    FIX::Message m;
    m.getHeader().setField(FIX::FIELD::MsgType, "9");
    m.setField(FIX::FIELD::OrderID, "NONE");
    m.setField(FIX::FIELD::ClOrdID, field(in, FIX::FIELD::ClOrdID));
    m.setField(FIX::FIELD::OrigClOrdID, field(in, FIX::FIELD::OrigClOrdID));
    m.setField(FIX::FIELD::OrdStatus, "8");
    m.setField(FIX::FIELD::CxlRejResponseTo, responseTo);
    m.setField(FIX::FIELD::CxlRejReason, "1");
    m.setField(FIX::FIELD::Text, "unknown order");
    send(m, id);
  }

  Order* find(const FIX::SessionID& id, const std::string& clOrdId) {
    auto it = orders_.find(key(id, clOrdId));
    return it == orders_.end() ? nullptr : &it->second;
  }

  void onCancel(const FIX::Message& in, const FIX::SessionID& id) {
    std::string orig = field(in, FIX::FIELD::OrigClOrdID);
    Order* found = find(id, orig);
    if (!found || found->status == "4") {
      cancelReject(in, id, "1");
      return;
    }
    Order o = *found;
    orders_.erase(key(id, orig));
    o.clOrdId = field(in, FIX::FIELD::ClOrdID);
    o.status = "4";
    orders_[key(id, o.clOrdId)] = o;
    FIX::Message er = report(id, o, "4", "0");
    er.setField(FIX::FIELD::OrigClOrdID, orig);
    send(er, id);
  }

  void onReplace(const FIX::Message& in, const FIX::SessionID& id) {
    std::string orig = field(in, FIX::FIELD::OrigClOrdID);
    Order* found = find(id, orig);
    if (!found || found->status == "4") {
      cancelReject(in, id, "2");
      return;
    }
    Order o = *found;
    orders_.erase(key(id, orig));
    o.clOrdId = field(in, FIX::FIELD::ClOrdID);
    if (in.isSetField(FIX::FIELD::OrderQty)) o.qty = field(in, FIX::FIELD::OrderQty);
    if (in.isSetField(FIX::FIELD::Price)) o.price = field(in, FIX::FIELD::Price);
    if (in.isSetField(FIX::FIELD::OrdType)) o.ordType = field(in, FIX::FIELD::OrdType);
    if (in.isSetField(FIX::FIELD::TimeInForce)) o.tif = field(in, FIX::FIELD::TimeInForce);
    orders_[key(id, o.clOrdId)] = o;
    FIX::Message er = report(id, o, "5", "0");
    er.setField(FIX::FIELD::OrigClOrdID, orig);
    send(er, id);
  }

  void onStatus(const FIX::Message& in, const FIX::SessionID& id) {
    std::string clOrdId = field(in, FIX::FIELD::ClOrdID);
    Order* found = find(id, clOrdId);
    Order o;
    if (found) {
      o = *found;
    } else {
      o.orderId = "NONE";
      o.clOrdId = clOrdId;
      o.symbol = field(in, FIX::FIELD::Symbol);
      o.side = field(in, FIX::FIELD::Side);
      o.status = "8";
    }
    // FIX 4.4 has ExecType I (Order Status); FIX 4.2 repeats the status with ExecTransType 3.
    FIX::Message er = report(id, o, fix42(id) ? o.status : "I", "3");
    send(er, id);
  }

  std::mutex mutex_;
  std::map<std::string, Order> orders_;
  long orderSeq_ = 0;
  long execSeq_ = 0;
};

void usage() {
  std::cerr << "usage: crucible-qf-echo-acceptor --port P --client FIX.4.4:COMPID [--client ...]\n"
               "         [--sender CRUCIBLE] [--spec-dir DIR-with-FIX42.xml-FIX44.xml]\n";
}

bool parseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--port") o.port = v;
    else if (a == "--sender") o.senderCompId = v;
    else if (a == "--spec-dir") o.specDir = v;
    else if (a == "--client") {
      std::size_t colon = v.rfind(':');
      if (colon == std::string::npos) return false;
      o.clients.emplace_back(v.substr(0, colon), v.substr(colon + 1));
    } else return false;
  }
  return !o.port.empty() && !o.clients.empty();
}

std::string settingsText(const Options& o) {
  std::ostringstream s;
  s << "[DEFAULT]\n"
    << "ConnectionType=acceptor\n"
    << "SocketAcceptPort=" << o.port << "\n"
    << "SocketReuseAddress=Y\n"
    << "SenderCompID=" << o.senderCompId << "\n"
    << "StartTime=00:00:00\n"
    << "EndTime=00:00:00\n"
    << "ResetOnLogon=Y\n"
    << "ResetOnLogout=Y\n"
    << "ResetOnDisconnect=Y\n"
    << "UseDataDictionary=" << (o.specDir.empty() ? "N" : "Y") << "\n";
  for (const auto& c : o.clients) {
    s << "\n[SESSION]\n"
      << "BeginString=" << c.first << "\n"
      << "TargetCompID=" << c.second << "\n";
    if (!o.specDir.empty()) {
      std::string version = c.first.substr(4);  // "FIX.4.4" -> "4.4"
      version.erase(version.find('.'), 1);
      s << "DataDictionary=" << o.specDir << "/FIX" << version << ".xml\n";
    }
  }
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parseArgs(argc, argv, options)) {
    usage();
    return 2;
  }
  std::string settingsIni = settingsText(options);
  std::cerr << "crucible-qf-echo-acceptor settings:\n" << settingsIni << std::endl;

  EchoApp app;
  FIX::MemoryStoreFactory storeFactory;
  crucible::StderrLogFactory logFactory("qf-echo");
  std::unique_ptr<FIX::SessionSettings> settings;
  std::unique_ptr<FIX::SocketAcceptor> acceptor;
  try {
    std::istringstream in(settingsIni);
    settings.reset(new FIX::SessionSettings(in));
    acceptor.reset(new FIX::SocketAcceptor(app, storeFactory, *settings, logFactory));
    // start() binds synchronously, so "listening" below is a promise a client can rely on.
    acceptor->start();
  } catch (const std::exception& e) {
    emitLine("{\"event\":\"error\",\"message\":" + jsonString(std::string("QuickFIX failed to start: ") + e.what()) + "}");
    return 3;
  }
  emitLine("{\"event\":\"listening\",\"port\":" + options.port + "}");

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "stop") break;
  }
  acceptor->stop(true);
  emitLine("{\"event\":\"stopped\"}");
  return 0;
}
