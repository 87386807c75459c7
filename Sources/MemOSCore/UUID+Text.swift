import Foundation

extension UUID {
    /// The canonical lower-case text form (`8-4-4-4-12` hex digits), as the API writes ids.
    ///
    /// Same text as `lowercasedString`, formatted from the bytes directly: Foundation formats `uuidString`
    /// with `snprintf`, which was a visible share of writing a 500-memory response.
    public var lowercasedString: String {
        withUnsafeBytes(of: self.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = digits.utf8Start[Int(byte >> 4)]
                    text[position + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}
