//! Small formatting helpers for the views.

use franz_core::trace::group_thousands;
use franz_core::types::Bytes;

/// How many characters of a key or value the page shows: a record of a megabyte drawn whole cost a frame
/// 100 ms (the strip, the consumer's list), and no one reads it there.
pub const SHOWN_CHARS_MAX: usize = 80;

/// Bytes as a person reads them: UTF-8 text, else hex; `null` for none. Past [`SHOWN_CHARS_MAX`]
/// characters, the start and the whole size ("vvvv… (1,048,000 B)").
pub fn bytes(b: &Option<Bytes>) -> String {
    let Some(b) = b else { return "null".into() };
    let text = match std::str::from_utf8(b) {
        Ok(s) => match s.char_indices().nth(SHOWN_CHARS_MAX) {
            None => return s.to_string(),
            Some((end, _)) => s[..end].to_string(),
        },
        Err(_) if b.len() * 2 <= SHOWN_CHARS_MAX => return b.iter().map(|x| format!("{x:02x}")).collect(),
        Err(_) => b[..SHOWN_CHARS_MAX / 2].iter().map(|x| format!("{x:02x}")).collect(),
    };
    format!("{text}… ({} B)", group_thousands(b.len() as u64))
}

/// Virtual milliseconds: "12,340 ms".
pub fn ms(t: u64) -> String {
    format!("{} ms", group_thousands(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_and_values_show_their_start_and_size() {
        let b = |v: &[u8]| Some(Bytes::from(v.to_vec()));
        assert_eq!(bytes(&None), "null");
        assert_eq!(bytes(&b(b"apple")), "apple");
        assert_eq!(bytes(&b(&[0xff, 0x00])), "ff00");
        let exactly = "é".repeat(SHOWN_CHARS_MAX);
        assert_eq!(bytes(&b(exactly.as_bytes())), exactly, "80 characters, 160 bytes: whole");
        let long = format!("{exactly}x");
        assert_eq!(bytes(&b(long.as_bytes())), format!("{exactly}… (161 B)"), "cut at a character's edge");
        let mebibyte = vec![b'v'; 1 << 20];
        assert_eq!(bytes(&b(&mebibyte)), format!("{}… (1,048,576 B)", "v".repeat(SHOWN_CHARS_MAX)));
        let binary = vec![0xffu8; 1000];
        assert_eq!(bytes(&b(&binary)), format!("{}… (1,000 B)", "ff".repeat(SHOWN_CHARS_MAX / 2)));
    }
}
