//! Checks that turn a pattern match into a finding: checksums (Luhn,
//! IBAN mod-97), issuer prefixes, number ranges, entropy, decoders, and the
//! byte-level boundary tests the detectors share.

use std::net::Ipv6Addr;

/// The byte before `i`, if any.
pub(super) fn byte_before(text: &str, i: usize) -> Option<u8> {
    i.checked_sub(1)
        .and_then(|j| text.as_bytes().get(j).copied())
}

/// The byte at `i`, if any.
pub(super) fn byte_at(text: &str, i: usize) -> Option<u8> {
    text.as_bytes().get(i).copied()
}

/// ASCII letter or digit.
pub(super) fn is_alnum(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric())
}

/// ASCII digit.
pub(super) fn is_digit(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_digit())
}

/// A character of the base64url alphabet (`A–Z a–z 0–9 _ -`).
pub(super) fn is_key_char(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether a number-like match at `start..end` stands alone: it is not
/// glued to a letter or digit, not continued by a separator and a digit,
/// and not preceded by a digit and a separator, or by a word and a
/// separator other than a space (so `12-4111…`, `ab-4111…` and `…1111-7`
/// do not yield a card, SSN or phone).
pub(super) fn number_stands_alone(text: &str, start: usize, end: usize, seps: &[u8]) -> bool {
    let before = byte_before(text, start);
    if is_alnum(before) {
        return false;
    }
    if let Some(b) = before.filter(|b| seps.contains(b)) {
        let glued = byte_before(text, start - 1);
        if is_digit(glued) || (b != b' ' && is_alnum(glued)) {
            return false;
        }
    }
    let after = byte_at(text, end);
    if is_alnum(after) {
        return false;
    }
    if after.is_some_and(|b| seps.contains(&b)) && is_digit(byte_at(text, end + 1)) {
        return false;
    }
    true
}

/// The Luhn (mod 10) check over ASCII digits.
pub(super) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Whether `digits` (13–19 ASCII digits) carry a known issuer prefix with a
/// length that issuer uses: Visa, Mastercard, American Express, Discover,
/// JCB, Diners Club and UnionPay.
pub(super) fn card_issuer_ok(digits: &[u8]) -> bool {
    let len = digits.len();
    let prefix = |n: usize| -> u32 {
        digits[..n]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    if !(13..=19).contains(&len) {
        return false;
    }
    let p1 = prefix(1);
    let p2 = prefix(2);
    let p3 = prefix(3);
    let p4 = prefix(4);
    // Visa: 4, 13/16/19 digits.
    if p1 == 4 {
        return matches!(len, 13 | 16 | 19);
    }
    // Mastercard: 51–55 and 2221–2720, 16 digits.
    if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
        return len == 16;
    }
    // American Express: 34, 37, 15 digits.
    if p2 == 34 || p2 == 37 {
        return len == 15;
    }
    // Discover: 6011, 644–649, 65, 16–19 digits.
    if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 {
        return len >= 16;
    }
    // JCB: 3528–3589, 16–19 digits.
    if (3528..=3589).contains(&p4) {
        return len >= 16;
    }
    // Diners Club: 300–305, 36, 38 (39), 14–19 digits.
    if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 {
        return len >= 14;
    }
    // UnionPay: 62, 16–19 digits.
    if p2 == 62 {
        return len >= 16;
    }
    false
}

/// Whether the digit groups of a card number (split at its separators)
/// have a shape cards are written in: one run; groups of four (the last
/// may be shorter); or 4-6-5 / 4-6-4 (American Express, Diners Club).
pub(super) fn card_groups_ok(groups: &[usize]) -> bool {
    match groups {
        [_] => true,
        [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|&g| g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// The IBAN length of each country in the SWIFT IBAN registry.
pub(super) fn iban_length(country: &[u8]) -> Option<usize> {
    const TABLE: &[(&[u8; 2], usize)] = &[
        (b"AD", 24),
        (b"AE", 23),
        (b"AL", 28),
        (b"AT", 20),
        (b"AZ", 28),
        (b"BA", 20),
        (b"BE", 16),
        (b"BG", 22),
        (b"BH", 22),
        (b"BI", 27),
        (b"BR", 29),
        (b"BY", 28),
        (b"CH", 21),
        (b"CR", 22),
        (b"CY", 28),
        (b"CZ", 24),
        (b"DE", 22),
        (b"DJ", 27),
        (b"DK", 18),
        (b"DO", 28),
        (b"EE", 20),
        (b"EG", 29),
        (b"ES", 24),
        (b"FI", 18),
        (b"FK", 18),
        (b"FO", 18),
        (b"FR", 27),
        (b"GB", 22),
        (b"GE", 22),
        (b"GI", 23),
        (b"GL", 18),
        (b"GR", 27),
        (b"GT", 28),
        (b"HN", 28),
        (b"HR", 21),
        (b"HU", 28),
        (b"IE", 22),
        (b"IL", 23),
        (b"IQ", 23),
        (b"IS", 26),
        (b"IT", 27),
        (b"JO", 30),
        (b"KW", 30),
        (b"KZ", 20),
        (b"LB", 28),
        (b"LC", 32),
        (b"LI", 21),
        (b"LT", 20),
        (b"LU", 20),
        (b"LV", 21),
        (b"LY", 25),
        (b"MC", 27),
        (b"MD", 24),
        (b"ME", 22),
        (b"MK", 19),
        (b"MN", 20),
        (b"MR", 27),
        (b"MT", 31),
        (b"MU", 30),
        (b"NI", 28),
        (b"NL", 18),
        (b"NO", 15),
        (b"OM", 23),
        (b"PK", 24),
        (b"PL", 28),
        (b"PS", 29),
        (b"PT", 25),
        (b"QA", 29),
        (b"RO", 24),
        (b"RS", 22),
        (b"RU", 33),
        (b"SA", 24),
        (b"SC", 31),
        (b"SD", 18),
        (b"SE", 24),
        (b"SI", 19),
        (b"SK", 24),
        (b"SM", 27),
        (b"SO", 23),
        (b"ST", 25),
        (b"SV", 28),
        (b"TL", 23),
        (b"TN", 24),
        (b"TR", 26),
        (b"UA", 29),
        (b"VA", 22),
        (b"VG", 24),
        (b"XK", 20),
        (b"YE", 30),
    ];
    TABLE
        .iter()
        .find(|(c, _)| c.as_slice() == country)
        .map(|&(_, n)| n)
}

/// The ISO 7064 mod-97 check of a compact IBAN (no spaces): moving the
/// first four characters to the end and reading letters as 10–35 gives a
/// number ≡ 1 (mod 97).
pub(super) fn iban_mod97(compact: &[u8]) -> bool {
    if compact.len() < 5 {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem = 0u32;
    for &c in tail.iter().chain(head) {
        match c {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        }
    }
    rem == 1
}

/// Whether a US Social Security number's parts are in the issued ranges:
/// area not 000, 666 or 900–999; group not 00; serial not 0000.
pub(super) fn ssn_ok(area: u32, group: u32, serial: u32) -> bool {
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// Parses up to `max` ASCII digits as a number.
pub(super) fn parse_digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Whether `s` is a dotted-quad IPv4 address: four decimal octets ≤ 255
/// without leading zeros.
pub(super) fn ipv4_ok(s: &str) -> bool {
    let mut n = 0;
    for part in s.split('.') {
        n += 1;
        let b = part.as_bytes();
        if b.is_empty() || b.len() > 3 || (b.len() > 1 && b[0] == b'0') {
            return false;
        }
        match parse_digits(b) {
            Some(v) if v <= 255 => {}
            _ => return false,
        }
    }
    n == 4
}

/// Whether `s` is an IPv6 address worth reporting: it parses, and it is
/// not one of the short forms code is full of (`a::b`, `1::2`, `u8::`):
/// a compressed form needs a digit and a group of three or more hex digits.
pub(super) fn ipv6_ok(s: &str) -> bool {
    if s.parse::<Ipv6Addr>().is_err() {
        return false;
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    if s.contains("::") {
        return s
            .split([':', '.'])
            .any(|g| g.len() >= 3 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    true
}

/// The Shannon entropy of `s` in bits per byte.
pub(super) fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether `s` has a run of `n` or more equal bytes (`XXXXXX`, `000000`):
/// a placeholder, not a key.
pub(super) fn has_run(s: &str, n: usize) -> bool {
    let mut run = 0;
    let mut last = None;
    for b in s.bytes() {
        if Some(b) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(b);
        }
        if run >= n {
            return true;
        }
    }
    false
}

/// Which classes of characters `s` uses: lower, upper, digit, other.
pub(super) fn char_classes(s: &str) -> (bool, bool, bool, bool) {
    let (mut lo, mut up, mut di, mut ot) = (false, false, false, false);
    for b in s.bytes() {
        match b {
            b'a'..=b'z' => lo = true,
            b'A'..=b'Z' => up = true,
            b'0'..=b'9' => di = true,
            _ => ot = true,
        }
    }
    (lo, up, di, ot)
}

/// Decodes base64 (standard or URL-safe alphabet, padding optional).
/// `None` if `s` is not base64.
pub(super) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes hex digits (an even number of them, optionally separated by
/// single spaces or written `\xNN`).
pub(super) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s
        .replace("\\x", "")
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':'))
        .collect();
    if digits.len() % 2 == 1 {
        return None;
    }
    let val = |b: u8| -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    };
    digits
        .chunks_exact(2)
        .map(|p| Some(val(p[0])? << 4 | val(p[1])?))
        .collect()
}

/// Whether a JWT's first segment decodes to a JSON object with a string
/// `alg` member.
pub(super) fn jwt_header_ok(segment: &str) -> bool {
    let Some(bytes) = base64_decode(segment) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(o)) => o.get("alg").is_some_and(|a| a.is_string()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_issuers() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(card_issuer_ok(b"4111111111111111"));
        assert!(card_issuer_ok(b"378282246310005"));
        assert!(card_issuer_ok(b"2223003122003222"));
        assert!(!card_issuer_ok(b"1234567812345670"));
        assert!(!card_issuer_ok(b"411111111111111")); // Visa with 15 digits
        assert!(card_groups_ok(&[4, 4, 4, 4]));
        assert!(card_groups_ok(&[4, 6, 5]));
        assert!(!card_groups_ok(&[3, 3, 4, 6]));
    }

    #[test]
    fn iban() {
        assert!(iban_mod97(b"GB82WEST12345698765432"));
        assert!(iban_mod97(b"DE89370400440532013000"));
        assert!(!iban_mod97(b"DE89370400440532013001"));
        assert_eq!(iban_length(b"FR"), Some(27));
        assert_eq!(iban_length(b"US"), None);
    }

    #[test]
    fn ips() {
        assert!(ipv4_ok("192.168.0.1"));
        assert!(!ipv4_ok("256.1.1.1"));
        assert!(!ipv4_ok("01.2.3.4"));
        assert!(!ipv4_ok("1.2.3"));
        assert!(ipv6_ok("2001:db8::1"));
        assert!(ipv6_ok("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
        assert!(!ipv6_ok("a::b"));
        assert!(!ipv6_ok("1::2"));
        assert!(!ipv6_ok("12:30:45"));
    }

    #[test]
    fn decoders() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(hex_decode("68656c6c6f").as_deref(), Some(&b"hello"[..]));
        assert!(jwt_header_ok("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
        assert!(!jwt_header_ok("eyJ0eXAiOiJKV1QifQ")); // no alg
    }

    #[test]
    fn entropy_and_runs() {
        assert!(entropy("aaaaaaaaaaaaaaaa") < 0.1);
        assert!(entropy("Xk9vQ2mZp7RtL4wB") > 3.5);
        assert!(has_run("AKIAXXXXXXXXXXXX", 6));
        assert!(!has_run("AKIAFAKE2EXAMPLE", 6));
    }
}
