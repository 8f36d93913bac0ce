// A new station database made the way MOSIP's client makes one on first start (the demo's Derby
// station): DaoConfig.createDatabase (AES/CFB/NoPadding 256 with a boot password), then
// DaoConfig.setupUserAndPermits (BUILTIN authentication, the client's user the only one with full
// access), and .mosipkeys/db.conf + reg.key as keymanager's non-TPM LocalClientCryptoServiceImpl
// writes them (RSA 2048, OAEP SHA-256 with MGF1 SHA-256, Base64). Secrets arrive on stdin only.
package regclientupgrader;

import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Properties;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

final class StationDatabase {
  /** DaoConfig's encryption attributes (no secret in them). */
  private static final String ENCRYPTION = ";create=true;dataEncryption=true;encryptionKeyLength=256;encryptionAlgorithm=AES/CFB/NoPadding";

  private StationDatabase() {}

  static void create(String dbDir, DbCredentials credentials, Path keysDir) throws Exception {
    Properties auth = credentials.connectionProperties();
    try (Connection connection = DriverManager.getConnection("jdbc:derby:" + dbDir + ENCRYPTION, auth);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate("CREATE SCHEMA \"REG\"");
    }
    shutdown(dbDir, auth);
    try (Connection connection = DriverManager.getConnection("jdbc:derby:" + dbDir, auth)) {
      setProperty(connection, "derby.connection.requireAuthentication", "true");
      setProperty(connection, "derby.authentication.provider", "BUILTIN");
      setProperty(connection, "derby.user." + credentials.user, credentials.password);
      setProperty(connection, "derby.database.defaultConnectionMode", "noAccess");
      setProperty(connection, "derby.database.fullAccessUsers", credentials.user);
      setProperty(connection, "derby.database.propertiesOnly", "true");
    }
    shutdown(dbDir, auth);
    writeDbConf(credentials, keysDir);
  }

  private static void setProperty(Connection connection, String key, String value) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY(?, ?)")) {
      statement.setString(1, key);
      statement.setString(2, value);
      statement.execute();
    }
  }

  private static void shutdown(String dbDir, Properties auth) throws SQLException {
    try {
      DriverManager.getConnection("jdbc:derby:" + dbDir + ";shutdown=true", auth);
    } catch (SQLException expected) {
      if (!"08006".equals(expected.getSQLState())) throw expected;
    }
  }

  private static void writeDbConf(DbCredentials credentials, Path keysDir) throws Exception {
    Files.createDirectories(keysDir);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, new SecureRandom());
    KeyPair pair = generator.generateKeyPair();
    Files.write(keysDir.resolve("reg.key"), pair.getPrivate().getEncoded());
    Files.write(keysDir.resolve("reg.pub"), pair.getPublic().getEncoded());
    Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING");
    cipher.init(Cipher.ENCRYPT_MODE, pair.getPublic(),
        new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    // DaoConfig: state 1 (safe), getBytes() with the platform charset as the client does.
    String text = credentials.bootPassword + DbCredentials.SEPARATOR + credentials.user + DbCredentials.SEPARATOR
        + credentials.password + DbCredentials.SEPARATOR + "1";
    Files.write(keysDir.resolve("db.conf"), Base64.getEncoder().encode(cipher.doFinal(text.getBytes(Charset.defaultCharset()))));
  }
}
