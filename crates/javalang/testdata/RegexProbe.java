// Prints testdata/java/regex.tsv: what java.util.regex answers for Pattern.compile(p) (no flags),
// Matcher.matches() with its groups, and Matcher.replaceAll(r), for a table of patterns and
// inputs. psoxy applies rule authors' patterns this way (filter, javaRegExpReplace); veil's
// src/java/regex/ reproduces them. See README.md in this folder.
//
// Lines, strings written with \\uXXXX escapes (UTF-16 units) for every character outside
// printable ASCII (and for \\, space and tab):
//   compile <tab> PATTERN <tab> GROUPCOUNT
//   compile <tab> PATTERN <tab> error <tab> DESCRIPTION        (PatternSyntaxException)
//   inputs <tab> NAME <tab> INPUT...                          (a list of inputs for charset lines)
//   charset <tab> PATTERN <tab> NAME <tab> CODES   (per input: M or - for matches(), then finds, at most 9)
//   codepoints <tab> PATTERN <tab> COUNT <tab> HASH   (see codepoints())
//   match <tab> PATTERN <tab> INPUT <tab> FINDS <tab> -       (matches() is false)
//   inputs <tab> NAME <tab> INPUT...                          (a list of inputs for charset lines)
//   charset <tab> PATTERN <tab> NAME <tab> CODES   (per input: M or - for matches(), then finds, at most 9)
//   match <tab> PATTERN <tab> INPUT <tab> FINDS <tab> =GROUP0 <tab> =GROUP1 | ! ...   (! = null)
//   replace <tab> PATTERN <tab> INPUT <tab> REPLACEMENT <tab> =RESULT | !EXCEPTION MESSAGE
// FINDS is how many matches the find() loop of replaceAll visits.
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.*;

public class RegexProbe {
    static PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x21 && c < 0x7f && c != '\\') b.append(c);
            else b.append(String.format("\\u%04X", (int) c));
        }
        return b.toString();
    }

    static final String[] SHORT = {"<$0>"};
    static final String[] WITH_GROUP = {"<$0>", "[$1]"};

    /** A pattern against inputs, with the default replacements. */
    static void c(String pattern, String... inputs) {
        boolean groups;
        try {
            groups = Pattern.compile(pattern).matcher("").groupCount() > 0;
        } catch (PatternSyntaxException e) {
            groups = false;
        }
        cr(pattern, groups ? WITH_GROUP : SHORT, inputs);
    }

    /** A pattern against many inputs: one replacement string is enough. */
    static void s(String pattern, String... inputs) {
        cr(pattern, SHORT, inputs);
    }

    /** A pattern against inputs, with the given replacement strings. */
    static void cr(String pattern, String[] replacements, String... inputs) {
        Pattern p;
        try {
            p = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            out.println("compile\t" + esc(pattern) + "\terror\t" + esc(e.getDescription()));
            return;
        }
        out.println("compile\t" + esc(pattern) + "\t" + p.matcher("").groupCount());
        for (String in : inputs) {
            StringBuilder line = new StringBuilder("match\t" + esc(pattern) + "\t" + esc(in));
            Matcher f = p.matcher(in);
            int finds = 0;
            while (f.find()) finds++;
            line.append('\t').append(finds);
            Matcher m = p.matcher(in);
            if (m.matches()) {
                for (int g = 0; g <= m.groupCount(); g++) {
                    String v = m.group(g);
                    line.append('\t').append(v == null ? "!" : "=" + esc(v));
                }
            } else {
                line.append("\t-");
            }
            out.println(line);
            for (String r : replacements) {
                String res;
                try {
                    res = "=" + esc(p.matcher(in).replaceAll(r));
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    res = "!" + esc(e.getMessage());
                }
                out.println("replace\t" + esc(pattern) + "\t" + esc(in) + "\t" + esc(r) + "\t" + res);
            }
        }
    }

    /** Patterns against a named list of inputs, compactly: per input, M or - for matches() and the
     *  number of find() matches (capped at 9). */
    static void charset(String name, String[] inputs, String... patterns) {
        StringBuilder head = new StringBuilder("inputs\t" + name);
        for (String in : inputs) head.append('\t').append(esc(in));
        out.println(head);
        for (String pattern : patterns) {
            Pattern p;
            try {
                p = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                out.println("compile\t" + esc(pattern) + "\terror\t" + esc(e.getDescription()));
                continue;
            }
            out.println("compile\t" + esc(pattern) + "\t" + p.matcher("").groupCount());
            StringBuilder line = new StringBuilder("charset\t" + esc(pattern) + "\t" + name + "\t");
            for (String in : inputs) {
                Matcher f = p.matcher(in);
                int finds = 0;
                while (f.find()) finds++;
                line.append(p.matcher(in).matches() ? 'M' : '-').append(Math.min(finds, 9));
            }
            out.println(line);
        }
    }

    /** Which code points a one-character pattern matches, as a count and a hash over code points
     *  0..0x2FFFF and 0xE0000..0xE01FF (surrogates left out: a Java string can hold one alone, a
     *  Rust string cannot). */
    static void codepoints(String... patterns) {
        for (String pattern : patterns) {
            Matcher m = Pattern.compile(pattern).matcher("");
            long count = 0, hash = 0;
            for (int cp = 0; cp < 0xE0200; cp = cp == 0x2FFFF ? 0xE0000 : cp + 1) {
                if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                if (m.reset(new String(Character.toChars(cp))).matches()) {
                    count++;
                    hash = hash * 1000003 + cp;
                }
            }
            out.println("codepoints\t" + esc(pattern) + "\t" + count + "\t" + hash);
        }
    }

    static final String[] WORDS = {"", "a", "Z", "_", "5", " ", "\t", "\n", "\r", "\u000b", "\u000c", "\u001c", "\u0085",
        "\u00a0", "\u2028", "\u2029", "\u3000", "\u1680", "\u180e", "\u2007", "\u202f", "\u200b", "\u200d", "-", "@", ".", "é",
        "\u00df", "\u00b5", "\u00aa", "\u00ba", "\u0130", "\u0131", "\u017f", "\u212a", "\u03a3", "\u03c3", "\u03c2", "\u0301",
        "\u0663", "\uff15", "\u2163", "\u00bd", "\u4e2d", "\u3042", "\ud83d\ude00", "\ud801\udc00", "\ud801\udc28",
        "\ud835\udfce", "\ufeff", "\u20ac", "$", "+", "^", "`", "~", "\u0000", "\u007f", "\u0080", "\u009f", "\u0378"};

    // Random patterns: half from a small grammar, half "soup" of syntax pieces (parser errors).
    static final String[] ATOMS = {"a", "b", "ab", ".", ".*", "(.*)", "[ab]", "[^a]", "[^@]+", "@", "\\w", "\\w+", "\\W",
        "\\d", "\\s", "\\S+", "\\b", "\\B", "^", "$", "\\R", "[a-c&&[^b]]", "\\p{L}", "\\P{L}", "\u00e9",
        "\\x{1F600}", "(?i)a", "A", "\\1", "\\2", "\\z", "\\Z", "\\G", "\\h", "_", " ", "\\n", "[\\s\\S]", "(?s).",
        "(?m)$", "(?m)^", "\\k<n>", "(?iu)\u00e9", "(?U)\\w"};
    static final String[] QUANTS = {"", "", "", "*", "+", "?", "*?", "+?", "??", "*+", "++", "?+", "{2}", "{0,2}", "{1,3}",
        "{2,}", "{1,2}?", "{0,2}+"};
    static final String[] GROUPS = {"(", "(", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>", "(?<n>"};
    static final String[] SOUP = {"(", ")", "[", "]", "{", "}", "|", "*", "+", "?", "^", "$", ".", "\\", "-", "&", "&&", ":",
        "=", "!", "<", ">", ",", "a", "b", "A", "0", "1", "2", "3", "7", "8", "d", "w", "s", "b", "B", "p", "P", "Q", "E", "k",
        "x", "u", "n", "i", "m", "U", "c", "#", " ", "\n", "L", "{L}", "{2}", "{1,}", "(?", "(?<", "[^", "\\Q", "\\E",
        "\\p", "\\x", "\\u", "\\0", "\\c", "\\k", "\u00e9", "\ud83d\ude00", "(?x)", "(?i)", "(?iu)", "(?U)", "(?d)",
        "(?m)", "(?s)", "\\R", "\\h", "\\v", "\\G", "\\z", "\\Z", "\\A", "F", "4", "e", "f"};
    static final String[] CHARS = {"a", "b", "c", "a", "b", " ", "\n", "\r", "A", "\ud83d\ude00", "\u00e9", "_", "1", "\u0301",
        "@", ".", "K", "k", "\u212a", "\u00c9", "\u03c3", "\u03a3", "\u03c2", "\u0130", "\u0131", "\u017f", "\u2028",
        "\u0085", "\t", "[", "-", "]", "&", "{", "}"};
    static Random rnd;

    static String pick(String[] a) {
        return a[rnd.nextInt(a.length)];
    }

    static String grammar(int depth) {
        StringBuilder b = new StringBuilder();
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
            if (depth < 3 && rnd.nextInt(10) < 4) {
                String inner = grammar(depth + 1);
                if (rnd.nextInt(3) == 0) inner += "|" + grammar(depth + 1);
                b.append(pick(GROUPS)).append(inner).append(')');
            } else {
                b.append(pick(ATOMS));
            }
            b.append(pick(QUANTS));
        }
        return b.toString();
    }

    static void random(long seed, int count) {
        rnd = new Random(seed);
        for (int k = 0; k < count; k++) {
            StringBuilder p = new StringBuilder();
            if (rnd.nextBoolean()) {
                for (int n = 1 + rnd.nextInt(12); n > 0; n--) p.append(pick(SOUP));
            } else {
                p.append(grammar(0));
            }
            String[] inputs = new String[3];
            for (int i = 0; i < inputs.length; i++) {
                StringBuilder in = new StringBuilder();
                for (int n = rnd.nextInt(11); n > 0; n--) in.append(pick(CHARS));
                inputs[i] = in.toString();
            }
            cr(p.toString(), new String[] {"<$0|$1>"}, inputs);
        }
    }

    public static void main(String[] args) {
        out.println("# java " + System.getProperty("java.version"));
        if (args.length == 2) {
            // Only random cases: java RegexProbe SEED COUNT (for a larger, throw-away comparison).
            random(Long.parseLong(args[0]), Integer.parseInt(args[1]));
            return;
        }

        // HR rule patterns and the issue's examples.
        String[] people = {"alice.smith@example.com", "bob@corp.example.org", "José", "José Álvarez", "Zoë O'Brien", "",
            "no-at-sign", "@leading", "trailing@", "a@b@c", "Jürgen Groß", "\u00c9lodie", "\u0130smail \u00c7elik",
            "\u039f\u0394\u039f\u03a3 \u03bf\u03b4\u03bf\u03c2", "\u674e\u5c0f\u9f99", "\u0645\u062d\u0645\u062f \u0663\u0664\u0665",
            "\u0663\u0664\u0665", "12345", "007", "1 2 3", "emoji \ud83d\ude00 here", "\ud83d\ude00@\ud83d\ude01.com",
            "line1\nline2", "tab\there", "nbsp\u00a0x", "ls\u2028x", "a\r\n", "\u212aelvin", "x"};
        String[] hr = {"(.*)@.*", "([^@]+)@(.+)", "(.*)", ".*", "(\\d+)", "(\\S+)\\s.*", "([A-Z])\\w*", "(?i)([a-z]+)@.*",
            "(\\w+)", "(.*)\\b.*", "(\\w+)@(\\w+)\\.com", "([^@]*)@([^.]+)\\..*", "^(.*?)@", "(.+?)(@.*)?",
            "(?i)^([^@]+)@example\\.com$", "(\\w+)\\s(\\w+)", "([\\w.]+)@([\\w.]+)", "(?U)(\\w+)", "(?U)(.*)\\b.*",
            "([A-Z][a-z]+) ([A-Z][a-z]+)", "(\\p{L}+)", "(\\p{Lu}\\p{Ll}*)\\s.*", "(?i)(jos\u00e9).*", "(?iu)(jos\u00e9).*",
            "\\s*(.*?)\\s*", "(\\d{3})", "(\\D+)", "(.)(.)(.)", "(.).*(.)"};
        for (String p : hr) c(p, people);
        c("[[:alpha:]]", "[", ":", "a", "l", "p", "h", "x", "]", "", "alpha", "[:alpha:]");
        c("[[:alpha:]]+", "[:alpha:]", "alpha", "x");
        c("[:alpha:]", "a", ":", "x");

        // Predefined classes over assorted characters.
        String[] classes = {"\\d", "\\D", "\\s", "\\S", "\\w", "\\W", "\\h", "\\H", "\\v", "\\V", ".", "(?s).", "(?d).",
            "(?U)\\d", "(?U)\\s", "(?U)\\w", "(?U)\\W", "\\R", "\\p{Lower}", "\\p{Upper}", "\\p{ASCII}", "\\p{Alpha}",
            "\\p{Digit}", "\\p{Alnum}", "\\p{Punct}", "\\p{Graph}", "\\p{Print}", "\\p{Blank}", "\\p{Cntrl}",
            "\\p{XDigit}", "\\p{Space}", "(?U)\\p{Lower}", "(?U)\\p{Alpha}", "(?U)\\p{Punct}", "(?U)\\p{Graph}",
            "(?U)\\p{Print}", "(?U)\\p{Blank}", "(?U)\\p{Space}", "(?U)\\p{XDigit}", "(?U)\\p{Alnum}", "(?U)\\p{Cntrl}",
            "\\p{javaLowerCase}", "\\p{javaUpperCase}", "\\p{javaWhitespace}", "\\p{javaMirrored}", "\\p{javaLetter}",
            "\\p{javaDigit}", "\\p{javaLetterOrDigit}", "\\p{javaAlphabetic}", "\\p{javaIdeographic}",
            "\\p{javaTitleCase}", "\\p{javaDefined}", "\\p{javaJavaIdentifierStart}", "\\p{javaJavaIdentifierPart}",
            "\\p{javaUnicodeIdentifierStart}", "\\p{javaUnicodeIdentifierPart}", "\\p{javaIdentifierIgnorable}",
            "\\p{javaSpaceChar}", "\\p{javaISOControl}", "\\p{L}", "\\pL", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}",
            "\\p{Lo}", "\\p{M}", "\\p{Mn}", "\\p{N}", "\\p{Nd}", "\\p{Nl}", "\\p{No}", "\\p{Z}", "\\p{Zs}", "\\p{Zl}",
            "\\p{C}", "\\p{Cc}", "\\p{Cf}", "\\p{Cn}", "\\p{Cs}", "\\p{P}", "\\p{Pd}", "\\p{Po}", "\\p{S}", "\\p{Sc}",
            "\\p{Sm}", "\\p{So}", "\\p{LC}", "\\p{LD}", "\\p{L1}", "\\p{all}", "\\p{IsL}", "\\p{IsLu}", "\\p{gc=Lu}",
            "\\p{general_category=Nd}", "\\p{IsLatin}", "\\p{IsGreek}", "\\p{script=Greek}", "\\p{sc=Grek}",
            "\\p{IsCommon}", "\\p{IsArabic}", "\\p{IsHan}", "\\p{IsInherited}", "\\p{InGreek}", "\\p{InBasicLatin}",
            "\\p{block=Basic Latin}", "\\p{blk=Latin-1 Supplement}", "\\p{InCJK_Unified_Ideographs}", "\\p{IsAlphabetic}",
            "\\p{IsWhite_Space}", "\\p{IsWhiteSpace}", "\\p{IsPunctuation}", "\\p{IsPunct}", "\\p{IsLetter}",
            "\\p{IsIdeographic}", "\\p{IsLowercase}", "\\p{IsUppercase}", "\\p{IsTitlecase}", "\\p{IsDigit}",
            "\\p{IsHex_Digit}", "\\p{IsHexDigit}", "\\p{IsAssigned}", "\\p{IsControl}", "\\p{IsJoin_Control}",
            "\\p{IsNoncharacter_Code_Point}", "\\p{IsWord}", "\\p{IsEmoji}", "\\p{IsEmoji_Presentation}",
            "\\p{IsEmoji_Modifier_Base}", "\\p{IsEmoji_Component}", "\\p{IsExtended_Pictographic}", "\\p{IsAlnum}",
            "\\p{IsGraph}", "\\p{IsPrint}", "\\p{IsBlank}", "\\p{IsSpace}", "\\p{IsCntrl}", "\\p{IsXDigit}",
            "\\p{IsjavaLowerCase}", "\\p{Isalphabetic}", "\\P{L}", "\\P{IsLatin}", "\\PL", "[\\p{L}&&[^a-z]]",
            "(?i)\\p{Lu}", "(?i)\\p{Ll}", "(?i)\\p{Lower}", "(?i)\\p{Upper}", "(?i)\\p{javaLowerCase}",
            "(?i)\\p{IsLowercase}", "(?U)(?i)\\p{Lower}", "[\\w&&\\D]", "[^\\w]", "[\\s\\d]", "[\\S&&\\W]"};
        charset("words", WORDS, classes);
        codepoints("\\w", "\\d", "\\s", "\\h", "\\v", ".", "(?U)\\w", "(?U)\\d", "(?U)\\s", "\\p{L}", "\\p{Lu}", "\\p{Ll}",
            "\\p{Lt}", "\\p{Lm}", "\\p{Lo}", "\\p{M}", "\\p{Mn}", "\\p{Mc}", "\\p{Me}", "\\p{N}", "\\p{Nd}", "\\p{Nl}",
            "\\p{No}", "\\p{P}", "\\p{Pc}", "\\p{Pd}", "\\p{Ps}", "\\p{Pe}", "\\p{Pi}", "\\p{Pf}", "\\p{Po}", "\\p{S}",
            "\\p{Sm}", "\\p{Sc}", "\\p{Sk}", "\\p{So}", "\\p{Z}", "\\p{Zs}", "\\p{Zl}", "\\p{Zp}", "\\p{C}", "\\p{Cc}",
            "\\p{Cf}", "\\p{Co}", "\\p{Cn}", "\\p{javaLowerCase}", "\\p{javaUpperCase}", "\\p{javaTitleCase}",
            "\\p{javaAlphabetic}", "\\p{javaIdeographic}", "\\p{javaDigit}", "\\p{javaDefined}", "\\p{javaLetter}",
            "\\p{javaLetterOrDigit}", "\\p{javaJavaIdentifierStart}", "\\p{javaJavaIdentifierPart}",
            "\\p{javaUnicodeIdentifierStart}", "\\p{javaUnicodeIdentifierPart}", "\\p{javaIdentifierIgnorable}",
            "\\p{javaSpaceChar}", "\\p{javaWhitespace}", "\\p{javaISOControl}", "\\p{javaMirrored}", "\\p{IsWhite_Space}",
            "\\p{IsPunctuation}", "\\p{IsHex_Digit}", "\\p{IsNoncharacter_Code_Point}", "\\p{IsWord}", "\\p{IsEmoji}",
            "\\p{IsEmoji_Presentation}", "\\p{IsEmoji_Modifier}", "\\p{IsEmoji_Modifier_Base}", "\\p{IsEmoji_Component}",
            "\\p{IsExtended_Pictographic}", "\\p{IsJoin_Control}", "(?U)\\p{Alnum}", "(?U)\\p{Blank}", "(?U)\\p{Graph}",
            "(?U)\\p{Print}", "(?U)\\p{Cntrl}", "(?i)\\p{Lu}", "(?i)\\p{javaTitleCase}", "\\p{IsLatin}", "\\p{IsGreek}",
            "\\p{IsCyrillic}", "\\p{IsHan}", "\\p{IsArabic}", "\\p{IsCommon}", "\\p{IsInherited}", "\\p{IsUnknown}",
            "\\p{IsDevanagari}", "\\p{InGreek}", "\\p{InLatin_1_Supplement}", "\\p{InCJKUnifiedIdeographs}",
            "\\p{InEmoticons}", "\\p{InVariation Selectors Supplement}", "(?iu)[a-z]", "(?i)[a-z]", "(?iu)[\\u00e0-\\u00ff]",
            "(?iu)[\\u0370-\\u03ff]", "(?iu)\\u00df", "(?iu)\\u03c3", "(?iu)k", "(?iu)[k]", "(?iu)s", "(?iu)i", "(?iu)\\u0130",
            "\\b.", ".\\b");

        // Word boundaries, including non-spacing marks (JDK 19+: ASCII \w unless (?U)).
        String[] bounds = {"\\b", "\\B", "(?U)\\b", "(?U)\\B", "a\\b", "\\ba", "\\b.+\\b", ".*\\b.*", "(.*)\\b(.*)",
            "(\\w)\\b(.*)", "(?U)(.*)\\b(.*)", ".\\B.", "(?U).\\B."};
        for (String p : bounds) s(p, "", "a", "ab", "a b", "é", "aé", "éa", "e\u0301", "e\u0301x", "\u0301a", "a\u0301\u0301b",
            "\u0663", "_", "a_b", "-", "a-", "\ud83d\ude00", "a\ud83d\ude00", "x\ud834\udd67", "\u0915\u094d\u0937");

        // Anchors and line terminators.
        String[] anchors = {"^a$", "a$", "a\\Z", "a\\z", "\\Aa", "^", "$", "(?m)^a$", "(?m)a$", "(?m)^", "(?m)$",
            "(?m)^.*$", "(?d)a$", "(?dm)^a$", "(?dm)$", "(?s)a.", "a.", "a\\R", "a\\R\\n", "a\\R?\\n", "(?:\\R)*\\n",
            "(a|\\R)+", "a$\\n?", "(?m)a$\\n?", "a\\Z\\n", "a$(?:\\r\\n)?", "\\G.", "\\Ga", "a\\G", ".$", "$.", "^$",
            "(?m)^$", "(?m)^\\w+$", "(?m)(^a)+"};
        for (String p : anchors) s(p, "", "a", "a\n", "a\r\n", "a\r", "a\n\n", "a\u0085", "a\u2028", "a\u2029", "\na",
            "a\na", "a\r\na", "aa", "\r\n", "\n", "\r", "a\nb\n", "\n\n");

        // Quantifiers: greedy, reluctant, possessive, counted.
        String[] quants = {"a*", "a+", "a?", "a*?", "a+?", "a??", "a*+", "a++", "a?+", "a{2}", "a{2,}", "a{2,3}",
            "a{0,1}", "a{0}", "a{2,3}?", "a{2,3}+", "a{1,}?", "(a*)*", "(a*)+", "(a?)+", "(a+)?", "(a|)+", "(|a)+",
            "(a*?)+", "(a*)*?", "(a{2})*", "(a{0,2})*", "(?:a{0,2})*b", "a*a", "a*+a", "a++b", "(?:a|ab)*c", "(a|ab)*c",
            "(a|ab)*?c", "(ab|a)*c", "(ab|a)*+c", "(?>ab|a)*c", "(a)*", "(a)+", "(a)*?", "(a)*+", "(a){2}", "(a){2,}",
            "(a){1,3}?", "((a)|b)*", "((a)|(b))*", "(a|(b))*", "(?:(a)|b)*", "(?:(a)|(b))+", "(a(b)?)+",
            "((a)|b)+?c", "(a)?(b)?", "(a?)(a?)(a?)", "(.)*", "(.){1,2}", ".{2}", ".{2,}", "x*y?z+", "(ab)*",
            "(ab){1,2}", "(ab)*?b", "(a|b)*", "(a|b)*?", "(a|b)*+", "(a|bc)*", "(a\\R)*", "(\\R)*\\n", "(?:\\R)*+",
            "a{1}{2}", "(?:a{2}){2}", "(a{2}){2}", "(a+)+", "(a+)+?", "(?:(?:a)*)*", "((?:a)*)*", "(a*)\\1"};
        for (String p : quants) c(p, "", "a", "aa", "aaa", "aaaa", "ab", "abc", "ac", "aabc", "abab", "ba", "b", "xyz",
            "xz", "aab", "a\r\na\n", "\r\n", "\n", "aaaab");

        // Capturing groups, named groups, back references.
        String[] refs = {"(a)\\1", "(a)(b)\\2\\1", "(a)\\2", "(a)\\10", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10",
            "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\11", "(a)\\1+", "(a*)\\1", "(a|b)\\1", "(?<x>a)\\k<x>", "(?<first>\\w)\\k<first>",
            "(?i)(a)\\1", "(?iu)(\u00e9)\\1", "(?i)(\u00e9)\\1", "(?iu)(k)\\1", "(?iu)(\u03c3)\\1", "(\\w+)\\s\\1", "(a)|\\1b",
            "(a)?\\1", "(?:(a)|b)\\1", "(a)(?:\\1)*", "(.)\\1*", "(\\w)\\1{2}", "^(a+)\\1$", "(a)(?=\\1)", "(?<=(a))\\1",
            "\\1(a)", "(?<name1>a)(?<name2>b)", "(?<A1>x)?y"};
        for (String p : refs) c(p, "", "a", "aa", "aaa", "ab", "abba", "aabb", "abab", "ba", "b", "abcdefghija",
            "abcdefghija0", "abcdefghij0", "AA", "aA", "\u00e9\u00c9", "\u00c9\u00e9", "k\u212a", "\u212ak", "\u03c3\u03a3",
            "\u03c3\u03c2", "hello hello", "hello world", "y", "xy", "\ud83d\ude00\ud83d\ude00");

        // Look-around.
        String[] looks = {"a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)",
            "a(?=b).*", "(?=.*b)a.*", ".*(?<=b)", "(?<=a{1,3})b", "(?<=a|bc)d", "(?<=\\d{2})x", "(?<!\\d)x",
            "(?<=^a)b", "(?<=a$)", "(?<=(a))b", "(?=(a))a", "(?!(a)b)a.*", "(?:(?!(a)c)|x)a.*", "(?=(a))b|a.*",
            "(?<=\\b)a", "(?<=a\\b)", "(?<=.)x", "(?<=..)x", "(?<=a.)b", "(?<!.)x", "x(?=.)", "(?<=\\R)a",
            "(?<=a+)b", "(?<=a*)b", "(?<=ab*)c", "(?<=a{0,2147483647})b", "(?<=a{2,5}?)b", "(?<=(?:ab)+)c",
            "(?<=a\\w)b", "(?<=\\w{2})c.*", "(?<=x\ud83d\ude00)y", "(?<=\ud83d\ude00)y", "(?<=.\ud83d\ude00)y",
            "(?=a)*b", "(?=a)+a", "(?!a)*b", "(?<=a)?b", "((?=a))*a", "(?=(a)*)a*", "(?<!(a))b"};
        for (String p : looks) c(p, "", "a", "b", "ab", "ba", "aab", "aaab", "aaaab", "bab", "bcd", "ad", "12x", "1x", "x",
            "ax", "abx", "ac", "axa", "abc", "\na", "\ud83d\ude00x", "a\ud83d\ude00b", "x\ud83d\ude00y", "\ud83d\ude00y",
            "a\ud83d\ude00y", "abbbc", "ababc");

        // Atomic groups and possessive quantifiers.
        String[] atomic = {"(?>a+)b", "(?>a+)a", "(?>a|ab)c", "(?>ab|a)c", "(?>(a)|b)+", "(?>a*)*b", "a*+b",
            "(a+)+b", "(?>x(?:y|yz))z", "(?>(\\w+))\\s"};
        for (String p : atomic) c(p, "", "ab", "aab", "aaa", "abc", "ac", "ab ", "xyz", "xyzz", "b", "aaab", "word word");

        // Inline flags and their scope.
        String[] flags = {"(?i)abc", "(?i:a)b", "a(?i)b", "(?i)a(?-i)b", "((?i)a)b", "(?i)[a-c]+", "(?i)[^a]",
            "(?i)\u00e9", "(?iu)\u00e9", "(?i)[\u00e9]", "(?iu)[\u00e9]", "(?iu)[\u00e0-\u00ff]+", "(?i)[\u00e0-\u00ff]+",
            "(?i)stra\u00dfe", "(?iu)stra\u00dfe", "(?i)\u03c3", "(?iu)\u03c3", "(?iu)\u03a3", "(?iu)[\u03c3]",
            "(?iu)\u03c2", "(?i)i", "(?iu)i", "(?iu)I", "(?iu)\u0130", "(?iu)\u0131", "(?iu)[i]", "(?iu)[\u0131]",
            "(?i)k", "(?iu)k", "(?iu)[k]", "(?i)[k-k]", "(?iu)[k-k]", "(?iu)[j-l]", "(?iu)\u00b5", "(?iu)[\u00b5]",
            "(?iu)\u00ff", "(?iu)[\u00ff]", "(?iu)[\u00c5]", "(?iu)\u212b", "(?iu)s", "(?iu)[s]", "(?i)\u00df",
            "(?iu)\\u0041", "(?i)[^\\W]", "(?x)a b c", "(?x)a\\ b", "(?x)a#comment\nb", "(?x)[a b]", "(?x)a # x",
            "(?x)(?i) a", "(?s).+", "(?m)a.$", "(?-s).", "(?i-i)a", "(?ix: a b )c", "(?U)\\w+", "(?U)[[:alpha:]]",
            "(?u)a", "(?d)^a$", "(?imsx)A.B", "(?i)(?-u)\u00e9", "(?iU)\u00e9", "(?x)\\p{ L }", "(?x)a{2, 3}",
            "(?x)a{ 2}", "(?x)a + b"};
        charset("flags", new String[] {"", "abc", "ABC", "aB", "Ab", "AB", "ab", "a", "A", "b", "\u00e9", "\u00c9",
            "STRASSE", "strasse", "stra\u00dfe", "STRA\u00dfE", "\u03c3", "\u03a3", "\u03c2", "i", "I", "\u0130", "\u0131",
            "k", "K", "\u212a", "\u00b5", "\u039c", "\u03bc", "\u00ff", "\u0178", "\u00c5", "\u00e5", "\u212b", "s", "S",
            "\u017f", "\u00df", "\u1e9e", "a b c", "a b", "a\nb", "a\n", "x", "_", "\u00e0\u00c0\u00fe\u00de", "aa", "aaa"}, flags);

        // Escapes and quoting.
        String[] escapes = {"\\Qa.b\\E", "\\Qa.b", "a\\Q\\E", "\\Q\\E", "\\Q\\\\E", "\\Q(\\E+", "x\\Qa\\Ey", "\\Q1\\E2",
            "\\0101", "\\041", "\\0777", "\\08", "\\x41", "\\x{41}", "\\x{1F600}", "\\x{110000}", "\\x4", "\\xG1",
            "\\x{}", "\\x{41", "\\u0041", "\\u00e9", "\\uD83D\\uDE00", "\\uD83D", "\\uDE00", "\\u12", "\\t", "\\n",
            "\\r", "\\f", "\\a", "\\e", "\\cA", "\\c?", "\\c", "\\.", "\\-", "\\$", "\\^", "\\{", "\\}", "\\]", "\\[",
            "\\ ", "\\#", "\\%", "\\@", "\\\u00e9", "\\N{LATIN SMALL LETTER A}", "\\N{x", "\\Na", "\\X", "\\b{g}",
            "\\b{x}", "\\b{2}", "\\y", "\\i", "\\g", "\\C", "\\E", "\\1", "\\9", "\\k<x>", "\\kx", "a\\", "\\"};
        charset("escapes", new String[] {"", "a.b", "a", "A", "x", "xay", "(((", "(", "12", "!", "\u00e9", "\ud83d\ude00",
            "\t", "\n", "\r", "\f", "\u0007", "\u001b", "\u0001", "\u007f", ".", "-", "$", "^", "{", "}", "]", "[", " ",
            "#", "%", "@", "\\", "\u00ff", "\u0000", "\u00008"}, escapes);

        // Character classes: ranges, negation, union, intersection and Java's parsing quirks.
        String[] sets = {"[abc]", "[^abc]", "[a-c]", "[a-]", "[-a]", "[a\\-z]", "[]a]", "[^]a]", "[]", "[^]", "[a",
            "[a-c-e]", "[z-a]", "[a-\\d]", "[\\d-z]", "[\\w-]", "[a-z&&[^aeiou]]", "[a-z&&b]", "[a&&b]", "[&&a]",
            "[a&&]", "[&&]", "[a&b]", "[a&&&b]", "[a&&[b]]", "[[a][b]]", "[a[b]]", "[[a]b]", "[^[a]]", "[^a[b]]",
            "[a-c&&b-d&&c]", "[[a-c]&&[b-d]]", "[a[b]&&[c]]", "[a&&[b]&c]", "[\\[\\]]", "[\\\\]", "[\\Q]\\E]",
            "[\\Qa-c\\E]", "[a-c\\Q\\E]", "[\\x41-\\x43]", "[\\u0041-\\u0043]", "[\\0101]", "[\\t\\n]", "[\\v]", "[\\v-\\r]",
            "[\\h]", "[\\p{L}]", "[\\P{L}]", "[\\p{L}\\d]", "[^\\p{L}]", "[\\pL]", "[\\p{Lu}&&\\p{IsLatin}]", "[.]",
            "[$^]", "[\\b]", "[\\1]", "[\\A]", "[\\Z]", "[\\k<x>]", "[\\R]", "[\\X]", "[\u00e9-\u00ea]", "[\ud83d\ude00]",
            "[\ud83d\ude00-\ud83d\ude4f]", "[^\ud83d\ude00]", "[\\x{1F600}]", "[a-\\x{1F600}]", "[\\uD83D]", "[^a]+",
            "[^\\n]", "[\\s\\S]", "[^\\s\\S]", "[a-z[A-Z]]", "[a-z&&[^m-p]&&[^x]]", "[[^a]&&[^b]]", "[^a&&b]",
            "[^a&&[^b]]", "[a-&&b]", "[\\d&&]", "[[:digit:]]", "[[=a=]]", "[[.a.]]", "[a-z--b]", "[a-z~~b]", "[a||b]",
            "[a|b]", "[(]", "[)]", "[*+?{}]", "[#]", "(?x)[ a ]", "(?x)[#a\n]", "(?i)[A-C]", "(?i)[^A-C]", "(?iu)[A-C]",
            "[a-a]", "[\\--\\-]", "[+--]", "[\\x{0}-\\x{10FFFF}]"};
        charset("class", new String[] {"", "a", "b", "c", "d", "e", "m", "z", "A", "B", "-", "]", "[", "&", "\\", "^", "$",
            ".", "5", "\t", "\n", "\u000b", "\r", " ", "\u00e9", "\u00ea", "\ud83d\ude00", "\ud83d\ude10", "\u00e0",
            "|", "(", ")", "*", "#", "~", "x", "\u0001", "\u0008", ":", "=", "abc", "ABC"}, sets);

        // Syntax errors.
        String[] errors = {"(", ")", "a)", "(a", "((a)", "[", "[a", "a{", "a{1", "a{1,", "a{a}", "a{,1}", "a{2,1}",
            "a{99999999999}", "a{2147483647}", "a{2147483648}", "*a", "+a", "?a", "a**", "a++*", "a{1}{2}{3}*+",
            "(?<n>a)(?<n>b)", "(?<1a>a)", "(?<a-b>a)", "(?<>a)", "(?<a", "(?P<a>x)", "(?z)", "(?$)", "(?@)", "(?i",
            "(?", "(?<", "(?<=", "(?=", "(?<=a*)", "(?<=a+b)", "(?<=(a|bc)+)", "(?<=\\1)", "(?<=a{2,})", "(a)(?<=\\1)",
            "\\p{Foo}", "\\p{}", "\\p{L", "\\p", "\\pZ", "\\p{IsFoo}", "\\p{InFoo}", "\\p{foo=bar}", "\\p{gc=Foo}",
            "\\p{script=Foo}", "\\p{block=Foo}", "\\p{lower}", "(?U)\\p{lower}", "\\p{Is}", "\\p{In}", "\\p{=L}",
            "\\p{Gc=Lu}", "\\p{SC=Latin}", "\\p{sc=latin}", "\\p{IsLATIN}", "\\p{Islatin}", "\\p{InGREEK}",
            "\\p{In Greek}", "\\p{InBasic_Latin}", "\\p{InBASIC latin}", "\\p{isL}", "\\p{IsL&}", "\\P{}", "a|*",
            "(*)", "(?#comment)", "a{1,2}{3}", "x{0}{0}", "\\Q", "\\E", "(?i)(?<n>a)\\k<n>", "\\k<n>(?<n>a)",
            "(a)\\k<a>", "[\\p{Foo}]", "[a-\\p{L}]", "[\\E]", "(?<=\\G)", "(?<=\\R)", "a||b", "|", "()", "(|)", "(?:)",
            "[^]]]", "\\x{7fffffff}", "\\c\u00e9", "(?x)#", "(?x)a#", "(?x)\\p{L#}"};
        for (String p : errors) c(p, "", "a", "ab", "aa");

        // Catastrophic-looking patterns with short inputs (Java finishes; so must veil).
        String a25 = "aaaaaaaaaaaaaaaaaaaaaaaaa";
        c("(a+)+b", a25, a25 + "b");
        c("(a|aa)+b", a25, a25 + "b");
        c("(a|a)*b", a25);
        c("(a*)*b", a25);
        c("(?:a*)*b", a25);
        c("(.*a){10}", a25, "b" + a25);
        c("(\\w+\\s?)*$", "a a a a a a a a a a a a a a a a a a a a !", "word word word");
        c("^(\\w+\\s?)*$", "a a a a a a a a a a a a a a a a a a a a !");
        c("(x+x+)+y", "xxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxy");
        c("(a+)+\\1b", "aaaaaaaaaaaaaaa");
        c(".*.*.*=.*", "x=y", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        c("(\\d+)*x", "1234567890123456789012345");
        c("([a-z]+)*@", "abcdefghijklmnopqrstuvwxyz");

        // Empty pattern and empty matches in replaceAll.
        c("", "", "a", "ab", "\ud83d\ude00");
        c("x*", "", "a", "\ud83d\ude00", "a\ud83d\ude00b", "\ud83d\ude00x");
        c("[a-z]*", "a\ud83d\ude00b", "\u00e9t\u00e9");
        c("\\b", "ab cd", "\ud83d\ude00");
        c("(?=a)", "banana");
        c("a|", "banana");
        c("|a", "banana");
        c("\\B", "ab cd");
        c("$", "a\n");
        c("(?m)^", "a\nb\n");
        c("\\G", "aaa");
        c("\\Ga", "aaba");
        c(".", "\ud83d\ude00", "a\ud83d\ude00");
        c("\\uDE00", "\ud83d\ude00", "\ud83d\ude00x");
        c("\\uDE00x", "\ud83d\ude00x");
        c("\\P{L}", "\ud83d\ude00a");
        c("[^a]", "\ud83d\ude00");
        c("\\p{Cs}", "\ud83d\ude00");

        // Replacement strings, including the ones Java rejects.
        String[] reps = {"", "x", "$0", "$1", "$2", "$3", "$12", "$21", "$9", "${nm}", "${x}", "${}", "${nm", "${1a}",
            "${n-m}", "$", "\\", "\\$", "\\\\", "\\x", "$a", "$-", "a$", "$1$1", "[$2]", "\\$1", "$$", "$\u00e9",
            "\u00e9$0", "\\\ud83d\ude00", "$\ud83d\ude00", "${nm}${nm}", "$01", "$10"};
        cr("(a)(?<nm>b)?", reps, "", "a", "ab", "ab ac", "xyz", "aab");
        cr("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)", reps, "abcdefghijkl");
        cr("x", reps, "x", "y");
        cr("(?<g1>a)(?<g2>b)", new String[] {"${g1}", "${g2}${g1}", "${g3}", "${G1}"}, "ab", "xx");

        random(25, 400);
    }
}
