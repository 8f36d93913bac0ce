// The upgrader's bridge to a station's Derby database (DESIGN §12): one JVM per DB step, run with
// the station's own Java and derby.jar. Requests and answers are JSON lines on stdin/stdout:
//   {"id":1,"op":"open","dbDir":"/abs/db/reg","credentials":{...}}  ->  {"id":1,"ok":true,...}
//   failure                                                         ->  {"id":1,"ok":false,"error":{"kind":...}}
// Secrets (boot password, user, password, db.conf's plain text) arrive only on stdin and are
// scrubbed from every message the bridge writes. Derby's own log is discarded (no derby.log).
package regclientupgrader;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public final class DerbyBridge {
  /** Where Derby's log goes: nowhere (no derby.log beside the station, nothing echoed). */
  public static final OutputStream DISCARD = OutputStream.nullOutputStream();

  private final PrintStream out;
  private Connection connection;
  private String dbDir;
  private DbCredentials credentials;

  private DerbyBridge(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("derby.stream.error.field", "regclientupgrader.DerbyBridge.DISCARD");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    DerbyBridge bridge = new DerbyBridge(out);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      if (!bridge.handle(line)) return;
    }
    // stdin closed without "shutdown" (the upgrader died): undo what is open, close cleanly.
    bridge.closeQuietly();
  }

  /** Answers one request; false when the bridge must exit. */
  private boolean handle(String line) {
    Object id = null;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> request = (Map<String, Object>) Json.parse(line);
      id = request.get("id");
      String op = String.valueOf(request.get("op"));
      Map<String, Object> result = new LinkedHashMap<>();
      boolean keepGoing = true;
      switch (op) {
        case "open": open(request, result); break;
        case "create": create(request); break;
        case "query": query(request, result); break;
        case "execute": result.put("count", execute(request)); break;
        case "begin": open().setAutoCommit(false); break;
        case "commit": open().commit(); open().setAutoCommit(true); break;
        case "rollback": open().rollback(); open().setAutoCommit(true); break;
        case "script": script(request, result); break;
        case "backup": backup(request); break;
        case "probeLock": result.put("inUse", isLocked(string(request, "dbDir"))); break;
        case "shutdown": shutdown(); keepGoing = false; break;
        default: throw new BridgeFailure("protocol", null, "unknown op " + op);
      }
      result.put("id", id);
      result.put("ok", Boolean.TRUE);
      reply(result);
      return keepGoing;
    } catch (BridgeFailure failure) {
      reply(failure.toReply(id, this));
    } catch (SQLException failure) {
      reply(BridgeFailure.of(failure).toReply(id, this));
    } catch (Exception failure) {
      reply(new BridgeFailure("bridge", null, failure.toString()).toReply(id, this));
    }
    return true;
  }

  private void open(Map<String, Object> request, Map<String, Object> result) throws Exception {
    if (connection != null) throw new BridgeFailure("protocol", null, "already open");
    dbDir = string(request, "dbDir");
    credentials = DbCredentials.from(request);
    Properties properties = credentials.connectionProperties();
    try {
      connection = DriverManager.getConnection("jdbc:derby:" + dbDir, properties);
    } catch (SQLException failure) {
      throw BridgeFailure.of(failure);
    }
    connection.setSchema("REG");
    result.put("derbyVersion", connection.getMetaData().getDatabaseProductVersion());
    result.put("hasUser", credentials.user != null);
  }

  /**
   * Creates a station's database as MOSIP's DaoConfig does (the demo's Derby station): encrypted with
   * the boot password, schema REG, BUILTIN users with full access for the client's user only; then
   * writes <keysDir>/db.conf and reg.key as MOSIP's non-TPM crypto does. Leaves the database shut down.
   */
  private void create(Map<String, Object> request) throws Exception {
    if (connection != null) throw new BridgeFailure("protocol", null, "already open");
    dbDir = string(request, "dbDir");
    credentials = DbCredentials.of(string(request, "bootPassword"), string(request, "user"), string(request, "password"));
    if (new File(dbDir).exists()) throw new BridgeFailure("protocol", null, dbDir + " already exists");
    StationDatabase.create(dbDir, credentials, Paths.get(string(request, "keysDir")));
  }

  private void query(Map<String, Object> request, Map<String, Object> result) throws Exception {
    try (PreparedStatement statement = prepare(request); ResultSet rows = statement.executeQuery()) {
      ResultSetMetaData meta = rows.getMetaData();
      List<Object> columns = new ArrayList<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) columns.add(meta.getColumnLabel(i));
      List<Object> data = new ArrayList<>();
      while (rows.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) row.add(plain(rows.getObject(i)));
        data.add(row);
      }
      result.put("columns", columns);
      result.put("rows", data);
    }
  }

  private int execute(Map<String, Object> request) throws Exception {
    try (PreparedStatement statement = prepare(request)) {
      return statement.executeUpdate();
    }
  }

  /** Runs statements in order on the open transaction; stops at the first failure, naming its index. */
  private void script(Map<String, Object> request, Map<String, Object> result) throws Exception {
    List<?> statements = (List<?>) request.get("statements");
    try (Statement statement = open().createStatement()) {
      for (int index = 0; index < statements.size(); index++) {
        try {
          statement.execute(String.valueOf(statements.get(index)));
        } catch (SQLException failure) {
          BridgeFailure wrapped = BridgeFailure.of(failure);
          throw new BridgeFailure("statement", wrapped.sqlState, wrapped.getMessage()).at(index);
        }
      }
    }
    result.put("ran", statements.size());
  }

  /** An online, consistent copy: Derby writes <dir>/<database name>. */
  private void backup(Map<String, Object> request) throws Exception {
    try (PreparedStatement statement = open().prepareStatement("CALL SYSCS_UTIL.SYSCS_BACKUP_DATABASE(?)")) {
      statement.setString(1, string(request, "dir"));
      statement.execute();
    }
  }

  private void shutdown() throws Exception {
    if (connection != null) {
      if (!connection.getAutoCommit()) connection.rollback();
      connection.close();
      connection = null;
      try {
        DriverManager.getConnection("jdbc:derby:" + dbDir + ";shutdown=true", credentials.connectionProperties());
      } catch (SQLException expected) {
        // 08006: the database was shut down, the only way this call ends well.
        if (!"08006".equals(expected.getSQLState())) throw BridgeFailure.of(expected);
      }
      return;
    }
    // A refused open may still have booted the database (a wrong user or password): stop the engine.
    try {
      DriverManager.getConnection("jdbc:derby:;shutdown=true");
    } catch (SQLException expected) {
      // XJ015: the engine shut down; anything else: nothing was booted.
    }
  }

  private void closeQuietly() {
    try {
      shutdown();
    } catch (Exception ignored) {
      // The process is exiting; Derby recovers from its log on the next boot.
    }
  }

  /** True when another JVM holds Derby's exclusive lock on the database (a running client). */
  static boolean isLocked(String dir) throws Exception {
    File lockFile = new File(dir, "dbex.lck");
    if (!lockFile.exists()) return false;
    try (RandomAccessFile file = new RandomAccessFile(lockFile, "rw")) {
      FileLock lock = file.getChannel().tryLock();
      if (lock == null) return true;
      lock.release();
      return false;
    } catch (java.nio.channels.OverlappingFileLockException heldHere) {
      return true;
    }
  }

  private PreparedStatement prepare(Map<String, Object> request) throws Exception {
    PreparedStatement statement = open().prepareStatement(string(request, "sql"));
    Object params = request.get("params");
    if (params instanceof List) {
      int index = 1;
      for (Object param : (List<?>) params) {
        if (param instanceof Double && (Double) param == Math.rint((Double) param)) statement.setLong(index++, ((Double) param).longValue());
        else statement.setObject(index++, param);
      }
    }
    return statement;
  }

  private Connection open() throws BridgeFailure {
    if (connection == null) throw new BridgeFailure("protocol", null, "no database is open");
    return connection;
  }

  private static Object plain(Object value) throws SQLException {
    if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) return value;
    if (value instanceof Clob) return ((Clob) value).getSubString(1, (int) ((Clob) value).length());
    if (value instanceof Blob) return "<" + ((Blob) value).length() + " bytes>";
    if (value instanceof byte[]) return "<" + ((byte[]) value).length + " bytes>";
    return value.toString();
  }

  private static String string(Map<String, Object> request, String key) throws BridgeFailure {
    Object value = request.get(key);
    if (!(value instanceof String)) throw new BridgeFailure("protocol", null, "missing " + key);
    return (String) value;
  }

  private void reply(Map<String, Object> answer) {
    out.println(Json.write(answer));
  }

  /** Removes every secret the bridge knows from a message before it leaves the process. */
  String scrub(String message) {
    return credentials == null ? message : credentials.scrub(message);
  }

  static String readText(String file) throws java.io.IOException {
    return new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8);
  }
}
