// A failed request, classified for the upgrader: the kind decides the error code on the Node side
// (credentials -> DB_CREDENTIALS_INVALID, in-use -> CLIENT_DB_IN_USE, statement -> a failed step).
package regclientupgrader;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

final class BridgeFailure extends Exception {
  private static final long serialVersionUID = 1L;

  final String kind;
  final String sqlState;
  private Integer index;

  BridgeFailure(String kind, String sqlState, String message) {
    super(message);
    this.kind = kind;
    this.sqlState = sqlState;
  }

  BridgeFailure at(int statementIndex) {
    this.index = statementIndex;
    return this;
  }

  /**
   * Classifies Derby's error by every SQLState in its chain: Derby reports a failed boot as XJ040 with
   * the reason (XBM06 wrong boot password, XSDB6 booted by another JVM) further down.
   */
  static BridgeFailure of(SQLException failure) {
    StringBuilder states = new StringBuilder();
    StringBuilder message = new StringBuilder(String.valueOf(failure.getMessage()));
    Throwable next = failure;
    int depth = 0;
    while (next != null && depth++ < 12) {
      if (next instanceof SQLException) {
        SQLException sql = (SQLException) next;
        states.append(' ').append(sql.getSQLState());
        if (next != failure && sql.getMessage() != null && message.indexOf(sql.getMessage()) < 0) {
          message.append(" / ").append(sql.getMessage());
        }
        next = sql.getNextException() != null ? sql.getNextException() : sql.getCause();
      } else {
        next = next.getCause();
      }
    }
    String all = states.toString();
    String kind = "sql";
    if (all.contains("XSDB6")) kind = "in-use";
    else if (all.contains("XBM06") || all.contains("08004")) kind = "credentials";
    else if (all.contains("XJ004")) kind = "not-found";
    else if (all.contains("XJ040")) kind = "unreadable";
    return new BridgeFailure(kind, failure.getSQLState(), message.toString());
  }

  Map<String, Object> toReply(Object id, DerbyBridge bridge) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("kind", kind);
    error.put("sqlState", sqlState);
    error.put("message", bridge.scrub(String.valueOf(getMessage())));
    if (index != null) error.put("index", index);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", id);
    answer.put("ok", Boolean.FALSE);
    answer.put("error", error);
    return answer;
  }
}
