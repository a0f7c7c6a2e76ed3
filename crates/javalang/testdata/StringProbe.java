// Prints testdata/java/string.tsv: what java.lang.String and Character answer for the
// operations psoxy's column matching relies on. See README.md in this folder.
//
// Lines: OP <tab> ARGUMENTS... <tab> RESULTS..., strings written with \\uXXXX escapes for
// every character outside printable ASCII (and for \\ and tab).
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class StringProbe {
    static PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x21 && c < 0x7f && c != '\\') b.append(c);
            else b.append(String.format("\\u%04X", (int) c));
        }
        return b.toString();
    }

    static String str(int cp) { return new String(Character.toChars(cp)); }

    public static void main(String[] args) {
        out.println("# java " + System.getProperty("java.version"));
        // Every code point Character.isWhitespace accepts.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.isWhitespace(cp)) out.println("whitespace\t" + esc(str(cp)) + "\ttrue");
        }
        // Case-insensitive comparison: each cased code point against its mappings.
        Set<List<String>> pairs = new LinkedHashSet<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int u = Character.toUpperCase(cp), l = Character.toLowerCase(cp), t = Character.toTitleCase(cp);
            if (u == cp && l == cp && t == cp) continue;
            for (int other : new int[] {u, l, t, Character.toLowerCase(u), Character.toUpperCase(l)}) {
                pairs.add(List.of(str(cp), str(other)));
                pairs.add(List.of(str(other), str(cp)));
            }
        }
        String[] words = {"", "a", "A", "id", "ID", "Id", "employee_id", "EMPLOYEE_ID", "\u0130S\u0130M", "ISIM", "isim",
            "\u0131sim", "\u0130L", "il", "IL", "i\u0307L", "i\u0307l", "\u03a3", "\u03c3", "\u03c2", "\u039f\u0394\u039f\u03a3",
            "\u03bf\u03b4\u03bf\u03c2", "\u03bf\u03b4\u03bf\u03c3", "stra\u00dfe", "STRASSE", "\u1e9e", "\u00df", "\u212a", "k", "K",
            "\u2126", "\u03c9", "\u03a9", "\u00b5", "\u03bc", "\u039c", "\u017f", "s", "S", "\u01c5", "\u01c4", "\u01c6",
            "\ud801\udc00", "\ud801\udc28", "\ud801\udc00x", "a\ud801\udc00", "A\ud801\udc28", "\u10a0", "\u2d00", "\u1c90",
            "\u10d0", "\u13a0", "\uab70", "ﬁle", "FILE", "e\u0301mail", "\u00e9mail", "SSN\u00a0", "ssn\u00a0", "SSN", "abc",
            "abd", "ab", "abcd", "Z", "_", "a_b", "A_B", "\u00e0", "\u00c0", "\u0178", "\u00ff", "zz", "AA", "mm", "DEPARTMENT",
            "DEPARTMENT_PSEUDONYM", "department", "null", "\uffff", "\ud83d\ude00", "\ud83d\ude01"};
        for (String a : words) for (String b : words) pairs.add(List.of(a, b));
        for (List<String> p : pairs) {
            String a = p.get(0), b = p.get(1);
            // equalsIgnoreCase, then the signs of CASE_INSENSITIVE_ORDER.compare and compareTo.
            out.println("pair\t" + esc(a) + "\t" + esc(b) + "\t" + a.equalsIgnoreCase(b) + "\t"
                + Integer.signum(String.CASE_INSENSITIVE_ORDER.compare(a, b)) + "\t" + Integer.signum(a.compareTo(b)));
        }
        String[] trims = {"", " ", "  x  ", "\u00a0x\u00a0", "\u0000x\u001f", "\tx\n", "\u2003x\u2003", "\u1680x", "x\u0085",
            "\u3000 x", " \u00a0 ", "\u007fx\u007f", "SSN\u00a0", " employee_id\u00a0 "};
        for (String s : trims) {
            out.println("trim\t" + esc(s) + "\t" + esc(s.trim()));
            out.println("isBlank\t" + esc(s) + "\t" + s.chars().allMatch(Character::isWhitespace));
        }
        for (String s : words) out.println("toLowerCase\t" + esc(s) + "\t" + esc(s.toLowerCase(Locale.ROOT)));
    }
}
