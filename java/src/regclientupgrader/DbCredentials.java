// The database's secrets, as MOSIP keeps them: the plain text
// `<bootPassword>-BREAK-<user>-BREAK-<password>[-BREAK-<state>]`, either from a file the operator
// names or decrypted from .mosipkeys/db.conf exactly as MOSIP's non-TPM code does
// (registration-client DaoConfig.parseDbConf, keymanager LocalClientCryptoServiceImpl and
// CryptoCore.asymmetricDecrypt: Base64 of RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING with MGF1 SHA-256,
// under the PKCS#8 key .mosipkeys/reg.key).
package regclientupgrader;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

final class DbCredentials {
  /** DaoConfig.SEPARATOR. */
  static final String SEPARATOR = "-BREAK-";

  final String bootPassword;
  final String user;
  final String password;

  private DbCredentials(String bootPassword, String user, String password) {
    this.bootPassword = bootPassword;
    this.user = user;
    this.password = password;
  }

  /** From the open request: "credentialsFile" (plain text) or "dbConf" with "regKey" (MOSIP's files). */
  static DbCredentials from(Map<String, Object> request) throws BridgeFailure {
    Object file = request.get("credentialsFile");
    Object dbConf = request.get("dbConf");
    Object regKey = request.get("regKey");
    if (file instanceof String) {
      String text;
      try {
        text = DerbyBridge.readText((String) file);
      } catch (Exception failure) {
        throw new BridgeFailure("credentials-unreadable", null, "cannot read the credentials file " + file + ": " + failure);
      }
      // An operator's editor ends the file with a line break; the secrets never contain one.
      return parse(text.replaceAll("[\\r\\n]+$", ""), "the credentials file " + file);
    }
    if (dbConf instanceof String && regKey instanceof String) return parse(decryptDbConf((String) dbConf, (String) regKey), "" + dbConf);
    throw new BridgeFailure("protocol", null, "open needs credentialsFile, or dbConf and regKey");
  }

  /** New credentials (the demo's station, created by the bridge's "create"). */
  static DbCredentials of(String bootPassword, String user, String password) {
    return new DbCredentials(bootPassword, user, password);
  }

  /** DaoConfig.parseDbConf: one part is an old client's boot password alone (no users set up yet). */
  static DbCredentials parse(String text, String source) throws BridgeFailure {
    String[] parts = text.split(SEPARATOR);
    if (parts.length == 1 && !parts[0].isEmpty()) return new DbCredentials(parts[0], null, null);
    if (parts.length >= 3 && !parts[0].isEmpty()) return new DbCredentials(parts[0], parts[1], parts[2]);
    throw new BridgeFailure("credentials", null, source + " does not hold <bootPassword>" + SEPARATOR + "<user>"
        + SEPARATOR + "<password>[" + SEPARATOR + "<state>] (found " + parts.length + " parts)");
  }

  /** MOSIP's non-TPM decryption of db.conf; the plain text never leaves this process. */
  static String decryptDbConf(String dbConf, String regKey) throws BridgeFailure {
    byte[] cipherText;
    PrivateKey key;
    try {
      cipherText = Base64.getDecoder().decode(Files.readAllBytes(Paths.get(dbConf)));
    } catch (Exception failure) {
      throw new BridgeFailure("credentials", null, dbConf + " is not MOSIP's Base64 db.conf: " + failure.getMessage());
    }
    try {
      key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Paths.get(regKey))));
    } catch (Exception failure) {
      throw new BridgeFailure("credentials", null, regKey + " is not an RSA private key (PKCS#8): " + failure.getMessage());
    }
    try {
      Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING");
      cipher.init(Cipher.DECRYPT_MODE, key,
          new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
      // new String(bytes) with the platform charset, as DaoConfig.parseDbConf.
      return new String(cipher.doFinal(cipherText));
    } catch (Exception failure) {
      throw new BridgeFailure("credentials", null, dbConf + " cannot be decrypted with " + regKey
          + " (a db.conf written by a TPM, or keys from another station): " + failure.getClass().getSimpleName());
    }
  }

  /** Connection attributes as Properties, so no secret is ever part of a URL. */
  Properties connectionProperties() {
    Properties properties = new Properties();
    properties.setProperty("bootPassword", bootPassword);
    if (user != null) properties.setProperty("user", user);
    if (password != null) properties.setProperty("password", password);
    return properties;
  }

  String scrub(String message) {
    String scrubbed = message;
    for (String secret : new String[] {bootPassword, user, password}) {
      if (secret != null && !secret.isEmpty()) scrubbed = scrubbed.replace(secret, "***");
    }
    return scrubbed;
  }
}
