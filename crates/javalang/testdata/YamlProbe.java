import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * What psoxy's rules reader makes of a plain (unquoted) YAML scalar used as a column name.
 *
 * psoxy reads rules with {@code new ObjectMapper(new YAMLFactory())} and
 * {@code readerFor(ColumnarRules.class)}. {@code ColumnarRules} implements {@code BulkDataRules},
 * which carries {@code @JsonTypeInfo(use = DEDUCTION)}: Jackson therefore first copies the whole
 * rules mapping into a {@code TokenBuffer} (to deduce the subtype) and binds the fields from that
 * copy, not from the YAML parser. {@link PsoxyLike} restates that shape (an interface with the same
 * annotations, two subtypes told apart by their properties); {@link Plain} is the same fields on a
 * class without type information, read straight from the parser, for comparison.
 *
 * Each scalar S is put, unquoted, into one small block-style document per position:
 *
 * <pre>
 *   columnsToPseudonymize:       columnsToRename:       columnsToRename:       pseudonymize: S
 *     - S                          S: v                   k: S
 * </pre>
 *
 * and the program prints, tab-separated: the scalar; the Java String psoxy's reader ends up with
 * as a list item, a map key and a map value ({@code <null>} for null, {@code <error: Class>} when
 * Jackson throws); SnakeYAML's implicit tag for it ({@code Resolver.resolve(scalar, S, true)},
 * which is what Jackson's YAMLParser consults); the token Jackson's YAMLParser reports for it;
 * what a {@code boolean} field gets from it (psoxy's {@code pseudonymize: true}); and the list
 * item and map value as the plain class reads them.
 *
 * Output: a header line, a {@code #} line with the library versions, then one line per scalar.
 * Strings are escaped: backslash as {@code \\}, tab {@code \t}, newline {@code \n}, carriage
 * return {@code \r}, any other character outside printable ASCII as {@code \\uXXXX}.
 *
 * Needs jackson-core, -annotations, -databind, -dataformat-yaml and SnakeYAML on the class path.
 */
public class YamlProbe {

    @JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION)
    @JsonSubTypes({
        @JsonSubTypes.Type(value = PsoxyLike.class),
        @JsonSubTypes.Type(value = OtherRules.class),
    })
    public interface RulesBase {
    }

    /** Like psoxy's ColumnarRules: read via readerFor(PsoxyLike.class), deduction inherited. */
    public static class PsoxyLike implements RulesBase {
        @JsonSetter(nulls = Nulls.AS_EMPTY)
        public List<String> columnsToPseudonymize = new ArrayList<>();
        @JsonSetter(nulls = Nulls.AS_EMPTY)
        public Map<String, String> columnsToRename = new java.util.HashMap<>();
        public boolean pseudonymize;
    }

    /** A second subtype (like psoxy's RecordRules / MultiTypeBulkDataRules), for deduction. */
    public static class OtherRules implements RulesBase {
        public List<String> allowAllEndpoints;
    }

    /** The same fields without type information. */
    public static class Plain {
        public List<String> columnsToPseudonymize = new ArrayList<>();
        public Map<String, String> columnsToRename = new java.util.HashMap<>();
        public boolean pseudonymize;
    }

    static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
    static final YAMLFactory FACTORY = new YAMLFactory();
    static final Resolver RESOLVER = new Resolver();

    /** The scalars probed, written exactly as they appear (unquoted) in the YAML. */
    static final String[] SCALARS = {
        // decimal integers, leading zeros, signs
        "0", "00", "000", "007", "08", "09", "010", "012", "019", "0123456789", "1", "12", "2024",
        "-0", "+0", "-00", "-007", "+007", "+12", "-12", "-08", "+08",
        // underscores
        "1_000", "1__0", "_1", "1_", "1_000_000", "100_000_000_000", "1_2_3", "0_7", "0_8", "0_",
        "00_1", "+_1", "-_1", "+1_0", "-1_0",
        // beyond int / long
        "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "12345678901234567890123", "0012345678901234567890123", "-12345678901234567890123",
        // octal (YAML 1.1: leading 0; YAML 1.2: 0o)
        "0o17", "0O17", "017", "0777", "0_17", "-017", "+017", "018", "0_9",
        "01234567012345670123456701234567",
        // hexadecimal
        "0x1F", "0X1F", "0x_1F", "0x1f", "0x1_F", "-0x1F", "+0x1F", "0x", "0x_", "0xG", "0x1G",
        "0x7FFFFFFF", "0x80000000", "0xFFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFFF", "00x1F",
        // binary
        "0b101", "0B101", "0b_101", "0b1_0", "-0b1", "+0b1", "0b2", "0b", "0b_", "0b0",
        "0b11111111111111111111111111111111", "0b1111111111111111111111111111111111111111111111111111111111111111",
        // sexagesimal (base 60)
        "12:30", "1:30:00", "190:20:30", "-1:30", "+1:30", "12:60", "12:59", "12:5", "12:05",
        "0:30", "01:30", "1:3", "1:0:0:0", "1:2:3:4", "1_0:30", "1:30_0", "12::30",
        "1:-30", "12:300", "99:99",
        // floats
        "1.5", "1.0", "1.10", "0.1", "0.10", "1.000", "10.0", "100.", "0.0", "-0.0", "+0.0",
        "00.5", "007.5", "08.5", "1.0e3", "1.0e+3", "1.0E-3", "1.0e03", "1.e3", "1e3", "1E3",
        "1e+3", "1e-3", "1e03", "1_0e3", "0e0", "0.0e0", ".5", "5.", "-5.", "+.5", "-.5", ".5e3",
        "1_000.5", "1_000.5_0", "1.5_", "1.5_0", "._5", "._", "1__.5", "12:30.5", "1:20:30.25",
        "-1:30.5", "+1:30.5", "12:60.5", "12:30.", "0:30.5", "1.5e", "1.5e+", "1.5.5", "1,5",
        "1.0e3_0", "1.5e1_0", "1.7976931348623157e308", "1.7976931348623157e309", "4.9e-324",
        "4.9e-325", "123456789012345678901234567890.5", "0.1000000000000000055511151231257827",
        "1.23456789012345678", "9007199254740993.0", "0.30000000000000004", "1.5d", "1.5f",
        "1.5F", "0x1.8p1", "+1.5", "-1.5", "+1e3", "+1_000.5", "-1_000.5", "+._5",
        // infinity / not-a-number
        ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".iNf",
        "inf", "Inf", "Infinity", "-Infinity", "+inf", ".infinity", ".nan", ".NaN", ".NAN",
        ".Nan", ".nAn", "-.nan", "+.nan", "nan", "NaN",
        // booleans, every case
        "y", "Y", "n", "N", "yes", "Yes", "YES", "yEs", "yeS", "no", "No", "NO", "nO", "on", "On",
        "ON", "oN", "off", "Off", "OFF", "oFF", "oFf", "true", "True", "TRUE", "tRUE", "tRue",
        "false", "False", "FALSE", "fALSE", "t", "T", "f", "F", "yes!", "truee", "ye", "of",
        "0n",
        // nulls
        "~", "null", "Null", "NULL", "nULL", "nuLL", "", "~~", "none", "None", "nil", "NUL",
        // timestamps
        "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.10Z",
        "2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -05:00", "2001-12-14 21:59:43.10Z",
        "2001-12-15 2:59:43.10", "2001-12-14T21:59:43", "2001-12-14t21:59:43.10+05",
        "2001-12-14  21:59:43", "2001-12-14\t21:59:43", "2002-1-1", "2002-01-1", "2002-1-1T1:02:03",
        "2002-1-1 00:00:00", "2001-13-45", "2001-12-14Z", "2001-12-1", "01-12-14", "20011214",
        "2001-12-14T21:59", "2001-12-14T21:59:43.", "2001-12-14T21:59:43.123456789",
        "2001-12-14 21:59:43 +0530", "2024-01", "2024/01/01", "12/14/2001",
        // merge, value, and the document-only yaml type
        "<<", "=", "<", "<<<", "==",
        // spaces inside
        "1 000", "1 2", "12 30", "1. 5", "0x 1F", "true false", "no way", "null value",
        "2001 12 14",
        // names a rules file might use
        "EMPLOYEE_ID", "employee_id", "1st_name", "10x", "3e", "e3", "E3", "1d", "1L", "10%",
        "$1", "1,000", "1-2", "1+2", "+-1", "--1", "1e3e3", "1.2.3", "v1.0", "1.2.3.4", "::1",
        "+", ".", "..", "...x", "0.", "-.", "+.", "-_", "_", "__", "1/2", "e", "E", "x", "0e",
        "\u0661\u0662\u0663", "\uFF11\uFF12", "12\u00A0",
    };

    /**
     * Long scalars, made here rather than written out: SnakeYAML only tries its int and float
     * patterns on scalars of at most 1024 characters (timestamps: 50), and Jackson refuses
     * numbers longer than 1000 characters (StreamReadConstraints, since 2.15).
     */
    static List<String> longScalars() {
        List<String> l = new ArrayList<>();
        l.add("1" + "0".repeat(999));                 // 1000 digits
        l.add("1" + "0".repeat(1000));                // 1001 digits
        l.add("1" + "0".repeat(1023));                // 1024 characters: int
        l.add("1" + "0".repeat(1024));                // 1025 characters: str
        l.add("0" + "7".repeat(1023));                // 1024 characters, leading 0: octal int
        l.add("0" + "7".repeat(1024));                // 1025 characters: str
        l.add("1." + "0".repeat(1022));               // 1024 characters: float
        l.add("1." + "0".repeat(1023));               // 1025 characters: str
        l.add("2001-12-14 21:59:43." + "1".repeat(30)); // 50 characters: timestamp
        l.add("2001-12-14 21:59:43." + "1".repeat(31)); // 51 characters: str
        return l;
    }

    public static void main(String[] args) throws Exception {
        System.out.println("scalar\tas_list_item\tas_map_key\tas_map_value\tyaml11_type"
            + "\tjackson_token\tas_boolean\tplain_list_item\tplain_map_value");
        System.out.println("# java " + System.getProperty("java.version")
            + ", jackson-core " + com.fasterxml.jackson.core.json.PackageVersion.VERSION
            + ", jackson-databind " + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION
            + ", jackson-dataformat-yaml " + com.fasterxml.jackson.dataformat.yaml.PackageVersion.VERSION
            + ", snakeyaml " + snakeYamlVersion());
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> all = new ArrayList<>(java.util.Arrays.asList(SCALARS));
        all.addAll(longScalars());
        for (String s : all) {
            if (!seen.add(s)) {
                throw new IllegalStateException("scalar listed twice: " + s);
            }
            StringBuilder line = new StringBuilder(esc(s));
            String list = "columnsToPseudonymize:\n  - " + s + "\n";
            String key = "columnsToRename:\n  " + s + ": v\n";
            String value = "columnsToRename:\n  k: " + s + "\n";
            String bool = "pseudonymize: " + s + "\n";
            line.append('\t').append(listItem(list, PsoxyLike.class));
            line.append('\t').append(mapKey(key, PsoxyLike.class));
            line.append('\t').append(mapValue(value, PsoxyLike.class));
            line.append('\t').append(yaml11Type(s));
            line.append('\t').append(token(list));
            line.append('\t').append(bool(bool));
            line.append('\t').append(listItem(list, Plain.class));
            line.append('\t').append(mapValue(value, Plain.class));
            System.out.println(line);
        }
    }

    static String listItem(String yaml, Class<?> type) {
        try {
            List<String> l = columns(MAPPER.readerFor(type).readValue(yaml));
            return l.size() == 1 ? show(l.get(0)) : "<items: " + l.size() + ">";
        } catch (Exception e) {
            return err(e);
        }
    }

    static String mapKey(String yaml, Class<?> type) {
        try {
            Map<String, String> m = renames(MAPPER.readerFor(type).readValue(yaml));
            return m.size() == 1 ? show(m.keySet().iterator().next()) : "<entries: " + m.size() + ">";
        } catch (Exception e) {
            return err(e);
        }
    }

    static String mapValue(String yaml, Class<?> type) {
        try {
            Map<String, String> m = renames(MAPPER.readerFor(type).readValue(yaml));
            if (m.size() != 1 || !m.containsKey("k")) {
                return "<entries: " + m.size() + ">";
            }
            return show(m.get("k"));
        } catch (Exception e) {
            return err(e);
        }
    }

    static String bool(String yaml) {
        try {
            PsoxyLike r = MAPPER.readerFor(PsoxyLike.class).readValue(yaml);
            return String.valueOf(r.pseudonymize);
        } catch (Exception e) {
            return err(e);
        }
    }

    static List<String> columns(Object o) {
        return o instanceof PsoxyLike ? ((PsoxyLike) o).columnsToPseudonymize : ((Plain) o).columnsToPseudonymize;
    }

    static Map<String, String> renames(Object o) {
        return o instanceof PsoxyLike ? ((PsoxyLike) o).columnsToRename : ((Plain) o).columnsToRename;
    }

    /** The token Jackson's YAMLParser reports for the list item. */
    static String token(String yaml) {
        try (JsonParser p = FACTORY.createParser(yaml)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_ARRAY) {
                    JsonToken item = p.nextToken();
                    return item == null ? "<none>" : item.name();
                }
            }
            return "<none>";
        } catch (Exception e) {
            return err(e);
        }
    }

    static String yaml11Type(String s) {
        Tag tag = RESOLVER.resolve(NodeId.scalar, s, true);
        String v = tag.getValue();
        String prefix = "tag:yaml.org,2002:";
        return v.startsWith(prefix) ? v.substring(prefix.length()) : v;
    }

    static String err(Exception e) {
        return "<error: " + e.getClass().getSimpleName() + ">";
    }

    static String show(String s) {
        return s == null ? "<null>" : esc(s);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '\t': b.append("\\t"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.toString();
    }

    /** SnakeYAML has no version class: read the manifest of the jar it was loaded from. */
    static String snakeYamlVersion() {
        try {
            URL jar = Resolver.class.getProtectionDomain().getCodeSource().getLocation();
            try (InputStream in = jar.openStream(); JarInputStream j = new JarInputStream(in)) {
                Manifest m = j.getManifest();
                if (m != null) {
                    for (String k : new String[] {"Bundle-Version", "Implementation-Version"}) {
                        String v = m.getMainAttributes().getValue(k);
                        if (v != null) {
                            return v;
                        }
                    }
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return "unknown";
    }
}
