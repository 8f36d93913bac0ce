// Test fixture: builds a station's Derby database the way MOSIP's DaoConfig does (1.1.5.5 - 1.2.0.x)
// and writes .mosipkeys/db.conf the way its non-TPM client crypto does, so the upgrader meets what a
// real station has. Run with Java's single-file launcher:
//   java -cp derby.jar:derbytools.jar MakeStation.java <dbDir> <keysDir> <initial.sql> [more.sql...]
// stdin: three lines, boot password, user, password (secrets never on the command line).
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Properties;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

public class MakeStation {
  public static final OutputStream DISCARD = OutputStream.nullOutputStream();
  // DaoConfig.ENCRYPTION_URL_ATTRIBUTES
  private static final String ENCRYPTION = "dataEncryption=true;encryptionKeyLength=256;encryptionAlgorithm=AES/CFB/NoPadding;";

  public static void main(String[] args) throws Exception {
    // The source launcher's class loader hides this class from Derby: discard its log by path.
    System.setProperty("derby.stream.error.file", System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String boot = in.readLine();
    String user = in.readLine();
    String password = in.readLine();
    String dbDir = args[0];
    Path keysDir = Paths.get(args[1]);
    Properties auth = new Properties();
    auth.setProperty("user", user);
    auth.setProperty("password", password);

    // DaoConfig.createDatabase: create encrypted, run initial.sql with ij.runScript, shut down.
    try (Connection connection = DriverManager.getConnection("jdbc:derby:" + dbDir + ";create=true;" + ENCRYPTION + "bootPassword=" + boot, auth)) {
      for (int i = 2; i < args.length; i++) {
        try (InputStream script = new FileInputStream(args[i])) {
          // initial.sql reports one error on every station (ALTER TABLE "APP"."RID_SEQ"), ignored as MOSIP does;
          // the station's data must load without any.
          java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
          int errors = org.apache.derby.tools.ij.runScript(connection, script, "UTF-8", output, "UTF-8");
          if (i > 2 && errors > 0) throw new IllegalStateException(errors + " errors in " + args[i] + ":\n" + output);
        }
      }
    }
    shutdown(dbDir, auth);
    // DaoConfig.setupUserAndPermits
    try (Connection connection = DriverManager.getConnection("jdbc:derby:" + dbDir + ";bootPassword=" + boot, auth);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.connection.requireAuthentication', 'true')");
      statement.executeUpdate("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.authentication.provider', 'BUILTIN')");
      statement.executeUpdate(String.format("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.user.%s', '%s')", user, password));
      statement.executeUpdate("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.database.defaultConnectionMode', 'noAccess')");
      statement.executeUpdate(String.format("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.database.fullAccessUsers', '%s')", user));
      statement.executeUpdate("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.database.propertiesOnly', 'true')");
    }
    shutdown(dbDir, auth);

    // LocalClientCryptoServiceImpl: RSA 2048 key pair as reg.key (PKCS#8) and reg.pub (X.509);
    // DaoConfig.saveDbConf: Base64 of CryptoCore.asymmetricEncrypt (OAEP SHA-256, MGF1 SHA-256).
    Files.createDirectories(keysDir);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, new SecureRandom());
    KeyPair pair = generator.generateKeyPair();
    Files.write(keysDir.resolve("reg.key"), pair.getPrivate().getEncoded());
    Files.write(keysDir.resolve("reg.pub"), pair.getPublic().getEncoded());
    Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING");
    cipher.init(Cipher.ENCRYPT_MODE, pair.getPublic(),
        new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    String conf = boot + "-BREAK-" + user + "-BREAK-" + password + "-BREAK-1";
    Files.write(keysDir.resolve("db.conf"), Base64.getEncoder().encode(cipher.doFinal(conf.getBytes())));
  }

  private static void shutdown(String dbDir, Properties auth) throws SQLException {
    try {
      DriverManager.getConnection("jdbc:derby:" + dbDir + ";shutdown=true", auth);
    } catch (SQLException expected) {
      if (!"08006".equals(expected.getSQLState())) throw expected;
    }
  }
}
