// Prints testdata/java/format.tsv: what String.format(pattern, value) gives for one String
// argument, as psoxy's formatString transform calls it. See README.md in this folder.
//
// Lines: PATTERN <tab> VALUE <tab> ok <tab> OUTPUT, or PATTERN <tab> VALUE <tab> error <tab>
// EXCEPTION <tab> MESSAGE. Strings are written with \\uXXXX escapes (UTF-16 units) for every
// character outside printable ASCII (and for \\). OUTPUT is the result as psoxy's UTF-8 writer
// emits it: a lone surrogate (precision splitting a pair) becomes '?'.
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class FormatProbe {
    static PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    static Set<List<String>> seen = new HashSet<>();

    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x21 && c < 0x7f && c != '\\') b.append(c);
            else b.append(String.format("\\u%04X", (int) c));
        }
        return b.toString();
    }

    /** What a UTF-8 OutputStreamWriter writes, read back: unpaired surrogates become '?'. */
    static String written(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    static void row(String pattern, String value) {
        if (!seen.add(List.of(pattern, value))) return;
        String line = esc(pattern) + "\t" + esc(value) + "\t";
        try {
            line += "ok\t" + esc(written(String.format(pattern, value)));
        } catch (IllegalFormatException e) {
            line += "error\t" + e.getClass().getSimpleName() + "\t" + esc(written(e.getMessage()));
        }
        out.println(line);
    }

    static final String[] VALUES = {
        "Hello", "abc", "x", "The quick brown fox jumps over the lazy dog",
        "Jos\u00e9 M\u00fcller", "\u00e9l\u00e8ve \u00c0 \u00ff", "Stra\u00dfe", "\u00df",
        "\u0131stanbul \u0130zmir", "i\u0307", "\u1f00\u03b8\u03ae\u03bd\u03b1 \u03a3\u03bf\u03c6\u03af\u03b1 \u0390 \u03c2",
        "\u6771\u4eac\u90fd", "\ud83d\ude00 smile", "a\ud83d\ude00b", "\ud83d\ude00", "\ud83d\udc68\u200d\ud83d\udc69",
        "\ufb01le \u0149 \u01f0", "\u01c5\u01c6", "tab\there", "back\\slash%s", "  padded  ",
    };

    public static void main(String[] args) {
        Locale.setDefault(Locale.ENGLISH);
        out.println("# java " + System.getProperty("java.version"));

        // The issue's examples and hand-picked edge cases of the grammar.
        String[] edge = {
            "%-10s|", "%10s", "%.3s", "%S", "%b", "%h", "%n", "%%", "%s %s", "%d",
            "", "no specifier", "100% sure", "abc%", "%", "% ", "% s", "%5%", "%-5%", "%-%", "%.2%", "%05%", "%#%",
            "%<%", "%1$%", "%2$%", "%%%s%%", "%5n", "%-n", "%.2n", "%1$n", "%2$n", "%<n", "%#n", "%n%s%n",
            "%s %<s", "%1$s %s", "%s %1$s", "%s %1$s %s", "%1$s %<s", "%<s", "%<s %s", "%s %<S %<b", "%2$s", "%1$s",
            "%1$s%1$s%1$s", "%s%s", "%0$s", "%00$s", "%01$s", "%000000001$s", "%2147483647$s", "%2147483648$s",
            "%99999999999999999999$s", "%1$1$s", "%1$2$s", "%$s", "%1$", "%1$-", "%-", "%5", "%.", "%.s", "%-.s",
            "%5.s", "%.0s", "%.0000000000003s", "%.2147483647s", "%.2147483648s", "%2147483648s",
            "%99999999999999999999s", "%<1$s", "%1$<s", "%-<5s", "% <s", "%<-5s", "%,s", "%(s", "%+s", "%0s",
            "% s", "%05s", "%-05s", "%--5s", "%-#-5s", "%##s", "%#s", "%#S", "%#5s", "%#2$s", "%#<s", "%#b",
            "%#h", "%#B", "%-#b", "%+ d", "%-0d", "%+ x", "%-05d", "%+ X", "%#d", "%,x", "%,o", "%(a", "%,e",
            "%#g", "%5.2d", "%.2c", "%#c", "%-c", "%-5c", "%c", "%C", "%(5s", "%ts", "%tY", "%TY", "%tq", "%t",
            "%T", "%t ", "%-t5", "%1$t5", "%1$t", "%t%", "%T%", "%-tY", "%-5tY", "%.2tY", "%#tY", "%<tY", "%2$tY",
            "%\u00e9", "%\ud83d\ude00", "a%\ud83d\ude00b", "%q", "%D", "%F", "%N", "%Z", "%s%q", "%q%s", "%s %d",
            "%d %s", "%2$s %d", "%-s", "%-S", "%-b", "%-h", "%-5s%-s", "%s%", "%s%5", "%1$s%2$s", "%+s %2$s",
            "%,5s", "%(5s", "% 5s", "%+5s", "%-+5s", "%-1$s", "%5$-s", "%-5.2$s", "% %", "%   ", "%-1.2.3s",
            "%1.2.3s", "%.2.3s", "%1$s%2$n", "%10.3S|", "%-10.3S|", "[%s]", "%s_enterprise", "%s@example.com",
            "prefix-%S-suffix", "%h%H", "%.2h", "%.0h", "%20h|", "%-20H|", "%.2b", "%.0b", "%10b|", "%-10B|",
            "%b%<h%<S", "%1$b %1$h %1$s", "%1$s %<s %s %<s", "%%n", "%n%%", "%%%", "%%%%", "%5%%-5%|",
            "%-t", "%-T", "%1$T", "%Tq", "%tH %<tM", "%1$tF", "%tc", "%-#5s", "%#-5s", "%0-5s",
        };
        for (String p : edge) row(p, "Hello");

        // Every conversion letter after common prefixes (flags, widths, precisions, indices).
        String[] prefixes = {
            "", "-", "#", "+", " ", "0", ",", "(", "<", "5", "-5", "#5", "+5", " 5", "05", ",5", "(5", "<5",
            ".2", "5.2", "-5.2", ".0", "1$", "2$", "1$-5", "1$<", "-#5", "+ 5", "-05", "--5", "##", "0$", "1$.3",
            "10", "-10.1", ".10",
        };
        StringBuilder convs = new StringBuilder("%");
        for (char c = 'a'; c <= 'z'; c++) convs.append(c).append(Character.toUpperCase(c));
        for (char c : convs.toString().toCharArray()) {
            for (String pre : prefixes) row("%" + pre + c, "Hello");
        }
        // Date/time conversions: 't'/'T' followed by every letter, with a few prefixes.
        String[] dtPrefixes = {"", "-", "-5", "5", ".2", "#", "<", "1$", "2$", "0"};
        for (char t : new char[] {'t', 'T'}) {
            for (char c : convs.toString().toCharArray()) {
                for (String pre : dtPrefixes) row("%" + pre + t + c, "Hello");
            }
        }

        // The printing conversions over values in many scripts.
        String[] printing = {
            "%s", "%S", "%10s", "%-10s|", "%.0s", "%.1s", "%.2s", "%.3s", "%.100s", "%-8.2s|", "%8.2S", "%.1S",
            "%.2S", "%.3S", "%.4S", "%.5S", "%.6S", "%b", "%B", "%h", "%H", "%.3h", "%10H", "%-10.4h|", "[%s]",
            "%s%n", "%s %<S", "%1$s-%1$S", "%5%%s", "%3.1s", "%2.1s", "%S%.2S", "%20S|", "%-20S|", "%2s|",
            "%1s|", "%3S|",
        };
        for (String v : VALUES) for (String p : printing) row(p, v);

        // Every code point whose String.toUpperCase differs from Character.toUpperCase (the
        // full mappings of SpecialCasing.txt), alone and between other letters.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String s = new String(Character.toChars(cp));
            if (s.toUpperCase().equals(new String(Character.toChars(Character.toUpperCase(cp))))) continue;
            row("%S", s);
            row("%S", "a" + s + "z");
            row("%.1S|", s + "x");
        }

        // Random patterns over the grammar's alphabet (fixed seed).
        Random random = new Random(20250613L);
        String alphabet = "%%%%%sSsbBhHdcnxtT-#+ 0,(<$$..1125900aZ\u00e9_";
        for (int i = 0; i < 1500; i++) {
            int len = 1 + random.nextInt(8);
            StringBuilder p = new StringBuilder();
            for (int j = 0; j < len; j++) p.append(alphabet.charAt(random.nextInt(alphabet.length())));
            // Keep widths small so that the table stays small.
            if (p.toString().matches("(?s).*[0-9]{3}.*")) continue;
            row(p.toString(), VALUES[random.nextInt(VALUES.length)]);
        }
    }
}
