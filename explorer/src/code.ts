// Receipt codes as people type, print and scan them. Pure (no DOM, no API) so unit tests load it.

// A receipt code as people copy it: printed in groups of four ("by7l y5pa o4ly"), read out in
// capitals, or with dashes. The spacing is dropped; null if what is left is not base32 of a
// receipt code's length (8 to 52 characters, a prefix or the whole code).
export function normalizeCode(text: string): string | null {
  const s = text.trim().replace(/[\s\u3000-]+/g, '');
  return /^[A-Za-z2-7]{8,52}$/.test(s) ? s.toLowerCase() : null;
}

// A receipt URL (<explorer>/r/<code>) or a bare full code from a QR code's text (spaced or not).
export function codeFromText(text: string): string | null {
  const s = text.trim();
  const m = /\/r\/([A-Za-z2-7]{8,52})(?:[/?#]|$)/.exec(s);
  if (m) return m[1].toLowerCase();
  const code = normalizeCode(s);
  return code && code.length === 52 ? code : null;
}
