/// Splits text into the terms keyword search matches on, for English and for languages written without spaces.
///
/// - Words (runs of letters and digits) are lower-cased; English stop words are dropped; ASCII words are reduced
///   to their stem by Porter's algorithm, so "camping", "camped" and "camps" match "camp".
/// - Chinese, Japanese and Korean characters, which are not separated by spaces, give one term per character and
///   one per pair of adjacent characters, so a query for a word inside a sentence matches it and pairs rank
///   exact phrases higher.
///
/// The same function tokenizes memories and queries, so both sides always agree.
public enum KeywordTokenizer {
    /// Words longer than this (in bytes) are not terms: they are identifiers, hashes or noise.
    public static let maxWordBytes = 64

    /// The terms of `text` in order, repeats kept.
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var word: [UInt8] = []
        var ascii = true
        var previousIdeograph: Unicode.Scalar?

        func endWord() {
            defer {
                word.removeAll(keepingCapacity: true)
                ascii = true
            }
            guard !word.isEmpty, word.count <= Self.maxWordBytes else { return }
            if ascii {
                if Self.stopWords.contains(word) { return }
                terms.append(String(decoding: PorterStemmer.stem(word), as: UTF8.self))
            } else {
                terms.append(String(decoding: word, as: UTF8.self))
            }
        }

        for scalar in text.unicodeScalars {
            if Self.isIdeograph(scalar) {
                endWord()
                terms.append(String(Character(scalar)))
                if let previous = previousIdeograph {
                    var pair = String(Character(previous))
                    pair.unicodeScalars.append(scalar)
                    terms.append(pair)
                }
                previousIdeograph = scalar
                continue
            }
            previousIdeograph = nil
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
                default: endWord()
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                ascii = false
                word.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                endWord()
            }
        }
        endWord()
        return terms
    }

    /// Characters of scripts written without spaces between words: kana, CJK ideographs (with extension A and
    /// compatibility ideographs) and Hangul syllables.
    static func isIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF: true
        default: false
        }
    }

    /// English stop words (the list PostgreSQL's and Snowball's `english` configurations use).
    static let stopWords: Set<[UInt8]> = Set(
        """
        i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
        it its itself they them their theirs themselves what which who whom this that these those am is are was were be
        been being have has had having do does did doing a an the and but if or because as until while of at by for
        with about against between into through during before after above below to from up down in out on off over
        under again further then once here there when where why how all any both each few more most other some such no
        nor not only own same so than too very s t can will just don should now
        """.split(whereSeparator: \.isWhitespace).map { Array($0.utf8) }
    )
}

/// Porter's suffix-stripping algorithm (M. F. Porter, 1980) over lower-case ASCII letters; words of one or two
/// letters and words with other characters are returned unchanged.
enum PorterStemmer {
    static func stem(_ word: [UInt8]) -> [UInt8] {
        guard word.count > 2, word.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else {
            return word
        }
        var stemmer = Word(word)
        stemmer.step1ab()
        stemmer.step1c()
        stemmer.step2()
        stemmer.step3()
        stemmer.step4()
        stemmer.step5()
        return stemmer.letters
    }

    struct Word {
        var letters: [UInt8]

        init(_ letters: [UInt8]) {
            self.letters = letters
        }

        /// True when the letter at `index` is a consonant: not a vowel, and `y` only after a vowel (or first).
        func isConsonant(_ index: Int) -> Bool {
            switch self.letters[index] {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"): false
            case UInt8(ascii: "y"): index == 0 ? true : !self.isConsonant(index - 1)
            default: true
            }
        }

        /// The number of vowel–consonant sequences in the first `length` letters (Porter's m).
        func measure(_ length: Int) -> Int {
            var count = 0
            var index = 0
            while index < length, self.isConsonant(index) { index += 1 }
            while index < length {
                while index < length, !self.isConsonant(index) { index += 1 }
                guard index < length else { break }
                count += 1
                while index < length, self.isConsonant(index) { index += 1 }
            }
            return count
        }

        func hasVowel(_ length: Int) -> Bool {
            (0..<length).contains { !self.isConsonant($0) }
        }

        /// True when the first `length` letters end in a double consonant.
        func endsWithDoubleConsonant(_ length: Int) -> Bool {
            length >= 2 && self.letters[length - 1] == self.letters[length - 2] && self.isConsonant(length - 1)
        }

        /// True when the first `length` letters end consonant–vowel–consonant, the last not w, x or y.
        func endsCVC(_ length: Int) -> Bool {
            guard length >= 3, self.isConsonant(length - 1), !self.isConsonant(length - 2), self.isConsonant(length - 3)
            else { return false }
            let last = self.letters[length - 1]
            return last != UInt8(ascii: "w") && last != UInt8(ascii: "x") && last != UInt8(ascii: "y")
        }

        func endsWith(_ suffix: String) -> Bool {
            let bytes = Array(suffix.utf8)
            return self.letters.count >= bytes.count && self.letters.suffix(bytes.count).elementsEqual(bytes)
        }

        mutating func replaceSuffix(_ count: Int, with replacement: String) {
            self.letters.removeLast(count)
            self.letters.append(contentsOf: replacement.utf8)
        }

        /// Replaces the longest suffix of `rules` that the word ends with, when the stem before it has a measure
        /// above `minimumMeasure`; the other rules are not tried once one suffix matched.
        mutating func replaceLongest(_ rules: [(suffix: String, replacement: String)], minimumMeasure: Int) {
            guard
                let rule = rules.filter({ self.endsWith($0.suffix) }).max(by: {
                    $0.suffix.utf8.count < $1.suffix.utf8.count
                })
            else { return }
            let stem = self.letters.count - rule.suffix.utf8.count
            if self.measure(stem) > minimumMeasure {
                self.replaceSuffix(rule.suffix.utf8.count, with: rule.replacement)
            }
        }

        mutating func step1ab() {
            if self.endsWith("sses") || self.endsWith("ies") {
                self.letters.removeLast(2)
            } else if self.endsWith("s"), !self.endsWith("ss") {
                self.letters.removeLast()
            }
            if self.endsWith("eed") {
                if self.measure(self.letters.count - 3) > 0 { self.letters.removeLast() }
                return
            }
            let suffix = self.endsWith("ed") ? 2 : self.endsWith("ing") ? 3 : 0
            guard suffix > 0, self.hasVowel(self.letters.count - suffix) else { return }
            self.letters.removeLast(suffix)
            if self.endsWith("at") || self.endsWith("bl") || self.endsWith("iz") {
                self.letters.append(UInt8(ascii: "e"))
            } else if self.endsWithDoubleConsonant(self.letters.count),
                !["l", "s", "z"].contains(Character(Unicode.Scalar(self.letters.last!)))
            {
                self.letters.removeLast()
            } else if self.measure(self.letters.count) == 1, self.endsCVC(self.letters.count) {
                self.letters.append(UInt8(ascii: "e"))
            }
        }

        mutating func step1c() {
            if self.endsWith("y"), self.hasVowel(self.letters.count - 1) {
                self.letters[self.letters.count - 1] = UInt8(ascii: "i")
            }
        }

        mutating func step2() {
            self.replaceLongest(
                [
                    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
                    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
                    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
                    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
                    ("logi", "log"),
                ],
                minimumMeasure: 0
            )
        }

        mutating func step3() {
            self.replaceLongest(
                [
                    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
                    ("ness", ""),
                ],
                minimumMeasure: 0
            )
        }

        mutating func step4() {
            let suffixes = [
                "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism",
                "ate",
                "iti", "ous", "ive", "ize",
            ]
            guard let suffix = suffixes.filter({ self.endsWith($0) }).max(by: { $0.utf8.count < $1.utf8.count }) else {
                return
            }
            let stem = self.letters.count - suffix.utf8.count
            if suffix == "ion" {
                guard stem > 0,
                    self.letters[stem - 1] == UInt8(ascii: "s") || self.letters[stem - 1] == UInt8(ascii: "t")
                else { return }
            }
            if self.measure(stem) > 1 { self.letters.removeLast(suffix.utf8.count) }
        }

        mutating func step5() {
            if self.endsWith("e") {
                let stem = self.letters.count - 1
                let measure = self.measure(stem)
                if measure > 1 || (measure == 1 && !self.endsCVC(stem)) { self.letters.removeLast() }
            }
            if self.endsWith("ll"), self.measure(self.letters.count) > 1 { self.letters.removeLast() }
        }
    }
}
