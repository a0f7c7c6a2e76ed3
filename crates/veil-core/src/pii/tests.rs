use super::numbers::luhn;
use super::*;

fn names(bits: u8) -> Vec<&'static str> {
    Kind::ALL
        .into_iter()
        .filter(|k| bits & k.bit() != 0)
        .map(Kind::name)
        .collect()
}

/// Each value, alone and inside a sentence, holds exactly `kind`.
fn positives(kind: Kind, values: &[&str]) {
    for value in values {
        for cell in [
            value.to_string(),
            format!("Contact: {value}."),
            format!("({value}) and more"),
            format!("x\t{value}\ny"),
        ] {
            assert_eq!(names(scan(cell.as_bytes())), [kind.name()], "{cell:?}");
        }
    }
}

/// Each value, alone and inside a sentence, holds no `kind` (other kinds are allowed only
/// where listed with the value).
fn negatives(kind: Kind, values: &[&str]) {
    for value in values {
        for cell in [value.to_string(), format!("note {value} end")] {
            assert_eq!(scan(cell.as_bytes()) & kind.bit(), 0, "{kind} in {cell:?}");
        }
    }
}

/// Holds nothing at all, alone or in a sentence.
fn clean(values: &[&str]) {
    for value in values {
        for cell in [value.to_string(), format!("note {value} end")] {
            assert_eq!(names(scan(cell.as_bytes())), Vec::<&str>::new(), "{cell:?}");
        }
    }
}

#[test]
fn census_counts_every_byte_once() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let alphabet = b"0189.:@+aAZz/ \xff\x80\xb0\xba";
    for len in 0..600 {
        let cell: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let count = |f: fn(&u8) -> bool| cell.iter().filter(|b| f(b)).count() as u32;
        let want = Census {
            digits: count(u8::is_ascii_digit),
            dots: count(|&b| b == b'.'),
            colons: count(|&b| b == b':'),
            ats: count(|&b| b == b'@'),
            pluses: count(|&b| b == b'+'),
            uppers: count(u8::is_ascii_uppercase),
        };
        assert_eq!(Census::of(&cell), want, "{cell:?}");
    }
    for b in 0..=255u8 {
        let cell = [b; 9];
        assert_eq!(Census::of(&cell).digits, if b.is_ascii_digit() { 9 } else { 0 }, "{b}");
    }
}

#[test]
fn names_parse_and_bits() {
    let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, ["email", "phone", "us-ssn", "uk-nino", "iban", "card", "ip"]);
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        assert_eq!(kind.bit(), 1 << i);
        assert_eq!(Kind::parse(kind.name()), Some(kind));
        assert_eq!(Kind::parse(&kind.name().to_uppercase()), Some(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    for bad in ["", "ssn", "us_ssn", "nino", "ipv4", "mail", "email "] {
        assert_eq!(Kind::parse(bad), None, "{bad}");
    }
    let mut sorted = Kind::ALL;
    sorted.sort();
    assert_eq!(sorted, Kind::ALL);
}

#[test]
fn email_positive() {
    positives(
        Kind::Email,
        &[
            "alice@worklytics.co",
            "Alice.Smith@Example.COM",
            "ben.smith1@example.com",
            "first.last+tag@sub.domain.co.uk",
            "o'brien@example.ie",
            "x_y-z@a-b.example.org",
            "a@b.co",
            "user@host.technologyverylongtld",
            "1234567@numbers.example.com",
            "mailto:jo@example.com",
            "jo@example.com.",
        ],
    );
    for cell in [
        "Alice Example <alice@worklytics.co>",
        "\"Alice Example\" <alice@worklytics.co>",
        "\"john smith\"@example.com",
        "john(comment)@example.com",
        "please write to jo@example.com, or call",
        "emails: a@x.com;b@y.org",
        "see...jo@example.com",
        "see..jo@example.com",
        "é jo@example.com ü",
        "email=jo@example.com&x=1",
        "<jo@example.com>",
        "a@b@c.com",
        "https://user:pass@host.example.com/path",
    ] {
        assert_eq!(names(scan(cell.as_bytes())), ["email"], "{cell:?}");
    }
}

#[test]
fn email_negative() {
    clean(&[
        "@handle",
        "@handle.example",
        "ping @alice please",
        "a@b",
        "foo@localhost",
        "alice@acme.c",
        "@scope/pkg@1.2.3",
        "name@company",
        "trailing.@example.com",
        "jo@-example.com",
        "jo@example.com1",
        "https://medium.com/@someone/post-title",
        "@@@@@@",
        "price@12.50",
    ]);
    // psoxy's grammar allows white space around `@` in a whole value, not in text.
    assert_eq!(scan(b"x @ y.com"), EMAIL);
    assert_eq!(scan(b"note x @ y.com end"), 0);
    // An address, but not an e-mail one.
    negatives(Kind::Email, &["user@10.0.0.1", "user@[10.0.0.1]"]);
    assert_eq!(names(scan(b"user@10.0.0.1")), ["ip"]);
}

#[test]
fn phone_positive() {
    positives(
        Kind::Phone,
        &[
            "+1 415 555 2671",
            "+1-415-555-2671",
            "+1 (415) 555-2671",
            "+14155552671",
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958",
            "+442079460958",
            "+33 1 23 45 67 89",
            "+49-30-1234567",
            "+49 30 1234567",
            "+353 1 234 5678",
            "+61 2 9876 5432",
            "+91 98765 43210",
            "(415) 555-2671",
            "(415)555-2671",
            "(415) 555 2671",
            "415-555-2671",
            "415.555.2671",
            "415 555 2671",
            "1-415-555-2671",
            "1 (415) 555-2671",
            "020 7946 0958",
            "(020) 7946 0958",
            "07700 900123",
            "0161 496 0123",
            "01 23 45 67 89",
            "06-12-34-56-78",
            "030 1234567",
            "030/1234567",
            "020-7946-0958",
            "0044 20 7946 0958",
            "0033 1 23 45 67 89",
        ],
    );
    for cell in [
        "Room 12 020 7946 0958",
        "E0001 415-555-2671",
        "call 415-555-2671 x12",
        "mobile:+44 7700 900123",
        "tel. 07700 900123; fax 020 7946 0958",
        "+44 20 7946 0958 2024",
    ] {
        assert_eq!(names(scan(cell.as_bytes())), ["phone"], "{cell:?}");
    }
}

#[test]
fn phone_negative() {
    clean(&[
        "12345",
        "337500",
        "100234",
        "4155552671",
        "02079460958",
        "ID-4155552671X",
        "ID-415-555-2671",
        "4155552671X",
        "555-2671",
        "2024-06-30",
        "30/06/2024",
        "2024.06.30",
        "30.06.2024",
        "06/30/2024 12:30",
        "2024-06-30 12:30:45",
        "1,234,567",
        "123456.78",
        "1 234 567",
        "12:30:45",
        "E0001",
        "E0000001",
        "02134-1234",
        "123-456-7890",
        "012345678.90",
        "0.5 1.5 2.5",
        "v415-555-2671",
        "415-555-26710",
        "415-555-2671-9",
        "+1.5",
        "+12345",
        "+123456789",
        "1 2 3 4 5 6 7 8 9 10",
        "2023 2024 2025",
    ]);
    // Other kinds, never also a phone.
    negatives(
        Kind::Phone,
        &[
            "123-45-6789",
            "123 45 6789",
            "4111 1111 1111 1111",
            "4000 0566 5566 5556",
            "4111-1111-1111-1111",
            "4111111111111111",
            "GB82 WEST 1234 5698 7654 32",
            "NL91 ABNA 0417 1643 00",
            "192.168.1.10",
            "010.100.200.30",
        ],
    );
}

#[test]
fn ssn_positive() {
    positives(
        Kind::UsSsn,
        &[
            "123-45-6789",
            "123 45 6789",
            "001-01-0001",
            "665-99-9999",
            "667-01-0001",
            "899-99-9999",
            "078-05-1121",
            "219-09-9998",
            "536-22-8726",
            "772-01-2345",
        ],
    );
    for cell in [
        "SSN:123-45-6789",
        "ssn 123-45-6789, dob 1980-01-01",
        "2024 123-45-6789",
        "SSN 123 45 6789",
        "SSN 123 45 6789.",
    ] {
        assert_eq!(names(scan(cell.as_bytes())), ["us-ssn"], "{cell:?}");
    }
}

#[test]
fn ssn_negative() {
    clean(&[
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-99-9999",
        "123-00-4567",
        "123-45-0000",
        "078-05-1120",
        "219-09-9999",
        "123456789",
        "123-456-789",
        "12-345-6789",
        "123-45-67890",
        "1123-45-6789",
        "123-45-6789-1",
        "A123-45-6789",
        "123-45-6789X",
        "123.45.6789",
        "123/45/6789",
        "123-45 6789",
        "1 123 45 6789",
    ]);
}

#[test]
fn nino_positive() {
    positives(
        Kind::UkNino,
        &[
            "AB123456C",
            "AB 12 34 56 C",
            "AB 123456 C",
            "AB123456 C",
            "AB 12 34 56 A",
            "JG103759A",
            "OA123456D",
            "CE987654B",
            "ZY000000A",
            "NA123456B",
            "TA123456C",
            "KA654321D",
        ],
    );
    assert_eq!(names(scan(b"NINO: AB123456C, start 2024-06-30")), ["uk-nino"]);
}

#[test]
fn nino_negative() {
    clean(&[
        "QQ123456C",
        "DA123456A",
        "FA123456A",
        "IA123456A",
        "UA123456A",
        "VA123456A",
        "AD123456A",
        "AO123456A",
        "AQ123456A",
        "BG123456A",
        "GB123456A",
        "NK123456A",
        "KN123456A",
        "TN123456A",
        "NT123456A",
        "ZZ123456A",
        "AB123456E",
        "AB123456",
        "ab123456c",
        "AB12345C",
        "AB1234567C",
        "XAB123456C",
        "AB123456CD",
        "AB 12 3456 C",
        "AB-123456-C",
    ]);
}

const IBANS: [&str; 37] = [
    "GB82 WEST 1234 5698 7654 32",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "BE68 5390 0754 7034",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "CH93 0076 2011 6238 5295 7",
    "AT61 1904 3002 3457 3201",
    "NO93 8601 1117 947",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "PL61 1090 1014 0000 0712 1981 2874",
    "SE45 5000 0000 0583 9825 7466",
    "IE29 AIBK 9311 5212 3456 78",
    "PT50 0002 0123 1234 5678 9015 4",
    "DK50 0040 0440 1162 43",
    "FI21 1234 5600 0007 85",
    "BG80 BNBG 9661 1020 3456 78",
    "HU42 1177 3016 1111 1018 0000 0000",
    "RO49 AAAA 1B31 0075 9384 0000",
    "LU28 0019 4006 4475 0000",
    "SK31 1200 0000 1987 4263 7541",
    "CZ65 0800 0000 1920 0014 5399",
    "GR16 0110 1250 0000 0001 2300 695",
    "LI21 0881 0000 2324 013A A",
    "IS14 0159 2600 7654 5510 7303 39",
    "SI56 2633 0001 2039 086",
    "EE38 2200 2210 2014 5685",
    "LT12 1000 0111 0100 1000",
    "LV80 BANK 0000 4351 9500 1",
    "HR12 1001 0051 8630 0016 0",
    "CY17 0020 0128 0000 0012 0052 7600",
    "SA03 8000 0000 6080 1016 7519",
    "AE07 0331 2345 6789 0123 456",
    "TR33 0006 1005 1978 6457 8413 26",
    "BR97 0036 0305 0000 1000 9795 493P 1",
    "QA58 DOHB 0000 1234 5678 90AB CDEF G",
];

#[test]
fn iban_positive() {
    positives(Kind::Iban, &IBANS);
    let compact: Vec<String> = IBANS.iter().map(|s| s.replace(' ', "")).collect();
    positives(Kind::Iban, &compact.iter().map(String::as_str).collect::<Vec<_>>());
    positives(Kind::Iban, &["gb82west12345698765432", "IBAN:DE89370400440532013000"]);
}

#[test]
fn iban_negative() {
    let mut bad = vec![
        "GB82 WEST 1234 5698 7654 33".to_string(),
        "GB82WEST1234569876543".into(),
        "GB82WEST123456987654321".into(),
        "XX82WEST12345698765432".into(),
        "DE89 3704 0044 0532 0130 0".into(),
        "DE8937040044053201300".into(),
        "GB82 WEST 12345698765432".into(),
        "GB82  WEST 1234 5698 7654 32".into(),
        "XGB82WEST12345698765432".into(),
        "GB82WEST12345698765432X".into(),
        "GB82-WEST-1234-5698-7654-32".into(),
    ];
    // Every single-character change breaks the check digits.
    for iban in ["DE89370400440532013000", "GB82WEST12345698765432"] {
        for (i, b) in iban.bytes().enumerate().skip(2) {
            let mut changed = iban.as_bytes().to_vec();
            changed[i] = if b.is_ascii_digit() {
                b'0' + (b - b'0' + 1) % 10
            } else {
                b'A' + (b - b'A' + 1) % 26
            };
            bad.push(String::from_utf8(changed).unwrap());
        }
    }
    negatives(Kind::Iban, &bad.iter().map(String::as_str).collect::<Vec<_>>());
}

const CARDS: [&str; 20] = [
    "4111111111111111",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4012888888881881",
    "4222222222222",
    "4000 0566 5566 5556",
    "5555 5555 5555 4444",
    "5105105105105100",
    "2223 0031 2200 3222",
    "378282246310005",
    "3782 822463 10005",
    "371449635398431",
    "6011 1111 1111 1117",
    "6011000990139424",
    "3530111333300000",
    "3566 0020 2036 0505",
    "30569309025904",
    "3056 930902 5904",
    "6200000000000005",
    "6759 6498 2643 8453",
];

#[test]
fn card_positive() {
    positives(Kind::Card, &CARDS);
    for cell in [
        "card 4111 1111 1111 1111 exp 12/26",
        "4111 1111 1111 1111 12/26",
        "#4111111111111111",
    ] {
        assert_eq!(names(scan(cell.as_bytes())), ["card"], "{cell:?}");
    }
}

#[test]
fn card_negative() {
    clean(&[
        "4111111111111112",
        "4111 1111 1111 1112",
        "411111111111111",
        "41111111111111111",
        "1234567812345670",
        "9111111111111111",
        "7111111111111110",
        "378282246310006",
        "37828224631000",
        "411 1111 1111 1111",
        "4111 11 1111 1111 11",
        "4111 1111-1111 1111",
        "4111.1111.1111.1111",
        "4111111111111111X",
        "ID-4111111111111111",
        "+4111111111111111",
        "1719792000000",
        "1719792000000000",
        "00000000000000000",
        "4111  1111  1111  1111",
    ]);
    // Luhn-valid runs of other lengths or prefixes: the check digit is made to fit.
    for body in [
        "7992739871",
        "123456789012345",
        "800000000000000",
        "9999999999999999999",
        "41111111111111",
        "411111111111111111111",
        "3782822463100",
        "5105105105105",
        "10000000000000",
        "0411111111111111",
    ] {
        let digits = (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|s| luhn(&s.bytes().map(|b| b - b'0').collect::<Vec<_>>()))
            .unwrap();
        assert_eq!(scan(digits.as_bytes()), 0, "{digits}");
        assert_eq!(scan(format!("card {digits}").as_bytes()), 0, "{digits}");
    }
}

#[test]
fn ip_positive() {
    positives(
        Kind::Ip,
        &[
            "192.168.1.10",
            "10.0.0.1",
            "8.8.8.8",
            "172.16.254.1",
            "203.0.113.195",
            "1.2.3.4",
            "223.255.255.254",
            "2001:db8::1",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "2001:db8:85a3::8a2e:370:7334",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:192.0.2.128",
            "64:ff9b::192.0.2.33",
            "fe80::1",
            "dead:beef:cafe:babe::",
        ],
    );
    for cell in [
        "login from 10.0.0.1:8080",
        "net 10.0.0.0/8 via 10.1.2.3",
        "http://[2001:db8::1]:8080/",
        "fe80::1%eth0",
        "addr 2001:db8::1: up",
        "version 1.2 at 192.168.0.1",
    ] {
        assert_eq!(names(scan(cell.as_bytes())), ["ip"], "{cell:?}");
    }
}

#[test]
fn ip_negative() {
    clean(&[
        "1.2.3.4.5",
        "v1.2.3.4",
        "1.2.3",
        "2024.06.30",
        "256.1.1.1",
        "1.2.3.256",
        "192.168.01.1",
        "0.0.0.0",
        "0.1.2.3",
        "127.0.0.1",
        "255.255.255.0",
        "224.0.0.1",
        "1.2.3.4a",
        "a1.2.3.4",
        "12:30:45",
        "12:30",
        "2024-07-01T12:30:45Z",
        "2024-07-01T12:30:45.123+02:00",
        "00:1A:2B:3C:4D:5E",
        "::",
        "::1",
        "std::vector",
        "Foo::Bar",
        "ab::cd",
        "1:2:3:4:5:6:7:8:9",
        "12345::1",
        "::g",
        "a:b",
        "{\"hash\":\"abc\",\"salt\":\"def\"}",
    ]);
}

/// Values HRIS exports hold in clear columns: none is personal data.
#[test]
fn clean_hris_values() {
    clean(&[
        "2024-07-01",
        "2024-06-30",
        "30/06/2024",
        "06/30/2024",
        "2024.06.30",
        "20240630",
        "2024-07-01T12:30:45Z",
        "2024-07-01T12:30:45.123456+02:00",
        "2024-07-01 12:30:45",
        "Mon, 01 Jul 2024 12:30:45 GMT",
        "337500",
        "40000",
        "199999",
        "123456.78",
        "1,234,567",
        "1,234,567.89",
        "$120,000.00",
        "€ 85.000,00",
        "-1234567",
        "E0001",
        "E0000001",
        "E0012345",
        "EMP-100234",
        "100234",
        "Engineering",
        "Engineering 12",
        "Manager, Operations",
        "Austin, TX",
        "London, UK",
        "Toronto, ON",
        "VP, Engineering",
        "Account Executive",
        "Remote",
        "true",
        "FULL_TIME",
        "123e4567-e89b-12d3-a456-426614174000",
        "550E8400-E29B-41D4-A716-446655440000",
        "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc",
        "t~xqZ3ab12CD34ef56GH78ij90KL12mn34OP56qr78ST9",
        "{\"hash\":\"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\"}",
        "{\"scope\":\"hris\",\"hash\":\"AB123456CDE89370400440532013000xyz\"}",
        "https://example.com/people/100234?tab=profile",
        "https://www.example.co.uk/a/b-c/2024/06/30/index.html",
        "1.2.3",
        "v1.2.3.4",
        "10.0.19041.1",
        "0.12.5",
        "3.14159",
        "SHA256:0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef01234567",
        "Q2 2024",
        "FY2024-Q3",
        "L5",
        "IC4",
        "Team 40",
        "Sales 3",
        "50%",
        "12:30",
        "-",
        "",
        "N/A",
    ]);
}

/// Numbers in notes that are not personal data.
#[test]
fn clean_free_text() {
    clean(&[
        "ISBN 978-3-16-148410-0",
        "Invoice INV-2024-000123 paid",
        "Order #123456789 shipped",
        "Ticket JIRA-12345, sprint 42",
        "Office at 30.2672, -97.7431",
        "UPS 1Z999AA10123456784",
        "Total: 1,234,567.89 USD",
        "Budget 1 250 000 EUR for 2025",
        "Sort code 60-16-13",
        "Start 30 06 2024, 09:00-17:30",
        "Meeting 2024-06-30 10:00-12:00 UTC+02:00",
        "Promoted 2023-04-01; salary 120000 -> 135000 (+12.5%)",
        "Employee E0001 replaces E0002 from 2024-07-01",
        "Rated 4.5/5 in Q2; 3 direct reports",
        "Moved to cost centre CC-1000-2000",
        "Laptop S/N C02XK0ABJG5H, asset 100234",
        "See https://wiki.example.com/pages/viewpage.action?pageId=123456789",
        "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ]);
}

#[test]
fn mixed_free_text() {
    let cell = "Call +44 20 7946 0958 or mail jo@example.com; SSN 123-45-6789, NI AB 12 34 56 C, \
                IBAN GB82 WEST 1234 5698 7654 32, card 4111 1111 1111 1111, from 192.168.1.10.";
    assert_eq!(scan(cell.as_bytes()), 0x7f, "{:?}", names(scan(cell.as_bytes())));
    let cell = "Met on 2024-06-30 at 10:30, salary 120,000; phone (415) 555-2671, ip fe80::1ff:fe23:4567:890a";
    assert_eq!(names(scan(cell.as_bytes())), ["phone", "ip"]);
    let cell = "Promoted to VP, Engineering in 2023; reports to E0000042. Review due 2025-01-15.";
    assert_eq!(scan(cell.as_bytes()), 0);
    let cell = "old card 5555555555554444 / new 378282246310005";
    assert_eq!(names(scan(cell.as_bytes())), ["card"]);
    let cell = "NINO JG103759A; acct DE89370400440532013000";
    assert_eq!(names(scan(cell.as_bytes())), ["uk-nino", "iban"]);
    // Non-UTF-8 and odd bytes do not panic.
    assert_eq!(scan(b"\xff\xfe jo@example.com \xff"), EMAIL);
    assert_eq!(scan(b"\xff123-45-6789\xff"), SSN);
    for cell in [
        &b"((((((((("[..],
        b"+++++++++",
        b"::::::::",
        b"@@@@@@",
        b"1(2(3(4(5(6(7",
        b")1)2)3)4)5)6)7",
    ] {
        let _ = scan(cell);
    }
}

/// Random cells over the bytes the detectors care about never panic, and a match found in
/// a cell is found again when the cell is surrounded by spaces.
#[test]
fn random_cells_are_safe() {
    let alphabet = b"0123456789      +-./()@:ABCDGNQZabcefx\xc3\xa9_,;";
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut cell = Vec::new();
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 48) as usize;
        cell.clear();
        let mut bits = state;
        for i in 0..len {
            if i % 8 == 7 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bits = state;
            }
            cell.push(alphabet[(bits % alphabet.len() as u64) as usize]);
            bits >>= 6;
        }
        let found = scan(&cell);
        let mut spaced = b"  ".to_vec();
        spaced.extend_from_slice(&cell);
        spaced.extend_from_slice(b"  ");
        // Padding hides only whole-cell mailboxes (`x @ y.com`, not found inside text).
        let again = scan(&spaced);
        assert_eq!(
            found & !EMAIL & again,
            found & !EMAIL,
            "{:?}",
            String::from_utf8_lossy(&cell)
        );
    }
    // Fragments of every kind, glued at random.
    let fragments: [&[u8]; 24] = [
        b"GB82",
        b"WEST",
        b" 1234",
        b"5698",
        b"DE89",
        b"AB",
        b" 12",
        b"C",
        b"4111",
        b"-1111",
        b" 1111",
        b"123-45-",
        b"6789",
        b"+44 ",
        b"(0)",
        b"20 ",
        b"::",
        b"fe80",
        b"192.168.",
        b"1.",
        b"@x.com",
        b"jo",
        b".",
        b" ",
    ];
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        cell.clear();
        let mut bits = state;
        for _ in 0..(state % 12) {
            cell.extend_from_slice(fragments[(bits % fragments.len() as u64) as usize]);
            bits /= fragments.len() as u64;
        }
        let _ = scan(&cell);
    }
    for cell in [
        ": x :", ":a:", ": :", "::", "1:", ":1", "a::.", ".::1", "::1:", "1.2.3.4:", "@", "@.", ".@",
    ] {
        let _ = scan(cell.as_bytes());
        let _ = scan(format!("      {cell}").as_bytes());
        let _ = scan(format!("{cell}      ").as_bytes());
    }
}

/// The generator's planted personal data, found with the exact counts it promises.
#[test]
fn generated_planted_columns() {
    const ROWS: u64 = 3000;
    let mut data = Vec::new();
    veil_generate::write_hris_planted(&mut data, ROWS, 11).unwrap();
    let text = String::from_utf8(data).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut counts = std::collections::BTreeMap::new();
    for line in lines {
        for (column, cell) in header.iter().zip(cells(line)) {
            for kind in names(scan(cell.as_bytes())) {
                *counts.entry((column.to_string(), kind)).or_insert(0u64) += 1;
            }
        }
    }
    let mut want = std::collections::BTreeMap::new();
    for planted in veil_generate::PLANTED {
        want.insert((planted.column.to_string(), planted.kind), ROWS / planted.every);
    }
    want.insert(("EMPLOYEE_EMAIL".into(), "email"), ROWS);
    want.insert(("MANAGER_EMAIL".into(), "email"), ROWS - 1);
    assert_eq!(counts, want);
}

/// Every truncation and extension of a cell with PII stays in bounds.
#[test]
fn all_prefixes_and_suffixes_are_safe() {
    let cell = "Call +44 (0)20 7946 0958, jo@example.com, 123-45-6789, AB 12 34 56 C, \
                GB82 WEST 1234 5698 7654 32, 4111-1111-1111-1111, 10.0.0.1, 2001:db8::1";
    let bytes = cell.as_bytes();
    for i in 0..=bytes.len() {
        let _ = scan(&bytes[..i]);
        let _ = scan(&bytes[i..]);
    }
}

/// The generator's data: e-mails where it writes e-mails, nothing anywhere else.
#[test]
fn generated_hris_columns() {
    let mut data = Vec::new();
    veil_generate::write_hris(&mut data, 2000, 7).unwrap();
    let text = String::from_utf8(data).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for line in lines {
        for (column, cell) in header.iter().zip(cells(line)) {
            let want = if column.ends_with("_EMAIL") && !cell.is_empty() {
                EMAIL
            } else {
                0
            };
            assert_eq!(scan(cell.as_bytes()), want, "{column} {cell:?}");
        }
    }
}

/// The generator's CSV: quoted fields hold commas but no quotes.
fn cells(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap();
            out.push(&quoted[..end]);
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => return out,
        }
    }
}

/// `cargo test --release --no-default-features --lib pii::tests::cost -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn cost() {
    use std::hint::black_box;
    use std::time::Instant;
    let mut data = Vec::new();
    veil_generate::write_hris(&mut data, 100_000, 1).unwrap();
    let text = String::from_utf8(data).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (mut clear, mut emails) = (Vec::new(), Vec::new());
    for line in lines {
        for (column, cell) in header.iter().zip(cells(line)) {
            if column.ends_with("_EMAIL") {
                emails.push(cell)
            } else {
                clear.push(cell)
            }
        }
    }
    let notes: Vec<String> = (0..100_000)
        .map(|i| match i % 5 {
            0 => format!(
                "Promoted to VP, Engineering in 2023; reports to E{:07}. Review due 2025-01-15.",
                i
            ),
            1 => format!(
                "Moved from the London, UK office on 2024-06-{:02}; relocation budget 12,500.",
                i % 28 + 1
            ),
            2 => format!("Personal phone +44 7700 9{:05} for emergencies.", i % 100_000),
            3 => format!("Asked to reach her at jane.doe{i}@gmail.com after leave ends."),
            _ => "Completed onboarding and security training; no open items.".to_string(),
        })
        .collect();
    let time = |name: &str, cells: &[&str]| {
        let rounds = 5;
        let start = Instant::now();
        let mut found = 0usize;
        for _ in 0..rounds {
            for cell in cells {
                found += usize::from(black_box(scan(black_box(cell.as_bytes()))) != 0);
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / (rounds * cells.len()) as f64;
        let bytes = cells.iter().map(|c| c.len()).sum::<usize>() as f64 / cells.len() as f64;
        println!(
            "{name}: {} cells, {bytes:.1} bytes/cell, {ns:.1} ns/cell, {} with findings",
            cells.len(),
            found / rounds
        );
    };
    for sample in [
        "Engineering",
        "2024-07-01",
        "E0000001",
        "123456",
        "\"Austin, TX\"",
        "",
        "Engineering 12",
    ] {
        time(sample, &vec![sample; 1_000_000]);
    }
    time("HRIS clear columns", &clear);
    time("HRIS e-mail columns", &emails);
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    time("notes (free text)", &notes);
}
