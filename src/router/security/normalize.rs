//! Text normalization for the injection rules: one spelling for the many
//! ways an attack phrase can be disguised.

/// Lower case; look-alike letters (Cyrillic, Greek, full-width,
/// mathematical, circled, accented) folded to ASCII; invisible characters
/// dropped; letters spelled out with separators (`i g n o r e`,
/// `i.g.n.o.r.e`) joined; leetspeak digits in words (`1gn0r3`) read as
/// letters; runs of white space collapsed to one space.
pub(super) fn normalize(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut spelled = false;
    let mut singles = 0u32;
    let mut prev_letter = false;
    let mut prev2_letter = false;
    for c in text.chars() {
        let Some(c) = fold(c) else { continue };
        // Track "x y z w": four single letters in a row suggest spelling out.
        let is_letter = c.is_ascii_alphabetic();
        if !is_letter && prev_letter && !prev2_letter {
            singles += 1;
            if singles >= 4 {
                spelled = true;
            }
        } else if is_letter && prev_letter {
            singles = 0;
        }
        prev2_letter = prev_letter;
        prev_letter = is_letter;
        folded.push(c);
    }
    let joined = if spelled {
        join_spelled(&folded)
    } else {
        folded
    };
    let mut out = String::with_capacity(joined.len());
    for word in joined.split(|c: char| c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let leet = word.bytes().any(|b| b.is_ascii_alphabetic())
            && word.bytes().any(|b| b"013457@$".contains(&b))
            && !word.contains("://");
        if leet {
            out.extend(word.chars().map(|c| match c {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '@' => 'a',
                '$' => 's',
                c => c,
            }));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Joins letters spelled out one by one with a separator (`i g n o r e`,
/// `i-g-n-o-r-e`); with spaces, two or more spaces separate words.
fn join_spelled(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single_start =
            c.is_ascii_alphabetic() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if single_start && i + 1 < chars.len() {
            let sep = chars[i + 1];
            if matches!(sep, ' ' | '.' | '-' | '_' | '*' | '|' | '/') {
                // Count letter-sep-letter-sep-… with single letters.
                let mut j = i;
                let mut letters = Vec::new();
                while j < chars.len()
                    && chars[j].is_ascii_alphabetic()
                    && (j + 1 >= chars.len() || !chars[j + 1].is_ascii_alphanumeric())
                {
                    letters.push(chars[j]);
                    if j + 2 < chars.len()
                        && chars[j + 1] == sep
                        && chars[j + 2].is_ascii_alphabetic()
                    {
                        j += 2;
                    } else {
                        j += 1;
                        break;
                    }
                }
                if letters.len() >= 2 {
                    out.extend(letters);
                    i = j;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// One character, folded: `None` drops it.
fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '\t' | '\n' | '\r' => ' ',
            _ => c,
        });
    }
    let u = c as u32;
    let folded = match u {
        // Invisible and formatting characters.
        0x00AD
        | 0x034F
        | 0x180E
        | 0x200B..=0x200F
        | 0x2060..=0x2064
        | 0xFEFF
        | 0xFE00..=0xFE0F
        | 0xE0000..=0xE007F => return None,
        // Full-width ASCII.
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).map(|c| c.to_ascii_lowercase()),
        // Mathematical alphanumerics: bold, italic, script, fraktur, double-struck, sans, mono.
        0x1D400..=0x1D6A3 => {
            let k = (u - 0x1D400) % 52;
            char::from_u32(u32::from(b'a') + k % 26)
        }
        0x1D7CE..=0x1D7FF => char::from_u32(u32::from(b'0') + (u - 0x1D7CE) % 10),
        // Circled letters.
        0x24B6..=0x24CF => char::from_u32(u32::from(b'a') + u - 0x24B6),
        0x24D0..=0x24E9 => char::from_u32(u32::from(b'a') + u - 0x24D0),
        // Typographic quotes and dashes.
        0x2018 | 0x2019 | 0x201B | 0x2032 => Some('\''),
        0x201C | 0x201D | 0x201F | 0x2033 => Some('"'),
        0x2010..=0x2015 => Some('-'),
        _ => None,
    };
    if let Some(f) = folded {
        return Some(f);
    }
    let l = c.to_lowercase().next().unwrap_or(c);
    Some(match l {
        // Cyrillic look-alikes.
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' | 'є' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ɡ' => 'g',
        'ո' => 'n',
        // Greek look-alikes.
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'ζ' => 'z',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'μ' => 'm',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        // Latin letters with diacritics.
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è'..='ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì'..='ï' | 'ī' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù'..='ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        c if c.is_whitespace() => ' ',
        c => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize("  IGNORE\t\tall  "), "ignore all");
        assert_eq!(normalize("1gn0r3 4ll pr3v10us"), "ignore all previous");
        assert_eq!(normalize("i g n o r e  t h i s"), "ignore this");
        assert_eq!(normalize("\u{456}gn\u{43e}r\u{435}"), "ignore"); // Cyrillic і, о, е
        assert_eq!(
            normalize("\u{ff49}\u{ff47}\u{ff4e}\u{ff4f}\u{ff52}\u{ff45}"),
            "ignore"
        );
        assert_eq!(normalize("ig\u{200b}nore"), "ignore");
        assert_eq!(normalize("version 3.10"), "version 3.10");
        assert_eq!(
            normalize("instruções précédentes"),
            "instrucoes precedentes"
        );
    }
}
