// Minimal JSON for the bridge's protocol (one object per line): parse into Map/List/String/
// Double/Boolean/null, write from the same types. No dependency, so the station's own Java runs it.
package regclientupgrader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class Json {
  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; throws IllegalArgumentException on anything else. */
  static Object parse(String text) {
    Json json = new Json(text);
    Object value = json.value();
    json.space();
    if (json.at != text.length()) throw json.fail("trailing characters");
    return value;
  }

  /** Writes a value of the parsed types (and Number, CharSequence) as JSON. */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean) {
      out.append(value.toString());
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (Double.isNaN(number) || Double.isInfinite(number)) out.append("null");
      else if (number == Math.rint(number) && Math.abs(number) < 1e15) out.append((long) number);
      else out.append(number);
    } else if (value instanceof Number) {
      out.append(value.toString());
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        if (!first) out.append(',');
        first = false;
        writeString(String.valueOf(entry.getKey()), out);
        out.append(':');
        write(entry.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof List) {
      out.append('[');
      boolean first = true;
      for (Object item : (List<?>) value) {
        if (!first) out.append(',');
        first = false;
        write(item, out);
      }
      out.append(']');
    } else {
      writeString(value.toString(), out);
    }
  }

  private static void writeString(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          // Control characters and the line separators JavaScript once refused stay escaped.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
      }
    }
    out.append('"');
  }

  private Object value() {
    space();
    if (at >= text.length()) throw fail("unexpected end");
    char c = text.charAt(at);
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return string();
    if (text.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
    if (text.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
    if (text.startsWith("null", at)) { at += 4; return null; }
    return number();
  }

  private Map<String, Object> object() {
    Map<String, Object> map = new LinkedHashMap<>();
    at++;
    space();
    if (peek() == '}') { at++; return map; }
    for (;;) {
      space();
      if (peek() != '"') throw fail("expected a key");
      String key = string();
      space();
      if (peek() != ':') throw fail("expected ':'");
      at++;
      map.put(key, value());
      space();
      char c = peek();
      at++;
      if (c == '}') return map;
      if (c != ',') throw fail("expected ',' or '}'");
    }
  }

  private List<Object> array() {
    List<Object> list = new ArrayList<>();
    at++;
    space();
    if (peek() == ']') { at++; return list; }
    for (;;) {
      list.add(value());
      space();
      char c = peek();
      at++;
      if (c == ']') return list;
      if (c != ',') throw fail("expected ',' or ']'");
    }
  }

  private String string() {
    StringBuilder out = new StringBuilder();
    at++;
    for (;;) {
      if (at >= text.length()) throw fail("unterminated string");
      char c = text.charAt(at++);
      if (c == '"') return out.toString();
      if (c != '\\') { out.append(c); continue; }
      char e = text.charAt(at++);
      switch (e) {
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'u': out.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
        default: out.append(e);
      }
    }
  }

  private Double number() {
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
    if (start == at) throw fail("unexpected character");
    return Double.valueOf(text.substring(start, at));
  }

  private char peek() {
    if (at >= text.length()) throw fail("unexpected end");
    return text.charAt(at);
  }

  private void space() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
  }

  private IllegalArgumentException fail(String what) {
    return new IllegalArgumentException("bad JSON at " + at + ": " + what);
  }
}
