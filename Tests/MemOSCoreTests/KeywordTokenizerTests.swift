import Testing

@testable import MemOSCore

@Suite("Keyword tokenizer")
struct KeywordTokenizerTests {
    @Test("English words are lower-cased and stemmed, stop words and punctuation dropped")
    func english() {
        #expect(
            KeywordTokenizer.terms("Caroline went CAMPING with her dogs, didn't she?") == [
                "carolin", "went", "camp", "dog", "didn",
            ]
        )
        #expect(KeywordTokenizer.terms("camped camps camping") == ["camp", "camp", "camp"])
        #expect(KeywordTokenizer.terms("the a of") == [])
        #expect(KeywordTokenizer.terms("7 May 2023, 10:30") == ["7", "mai", "2023", "10", "30"])
    }

    @Test(
        "Porter's stemmer gives the published stems",
        arguments: [
            ("caresses", "caress"), ("ponies", "poni"), ("cats", "cat"), ("feed", "feed"), ("agreed", "agre"),
            ("plastered", "plaster"), ("motoring", "motor"), ("sing", "sing"), ("conflated", "conflat"),
            ("troubled", "troubl"), ("sized", "size"), ("hopping", "hop"), ("falling", "fall"), ("hissing", "hiss"),
            ("filing", "file"), ("happy", "happi"), ("relational", "relat"), ("conditional", "condit"),
            ("rational", "ration"), ("digitizer", "digit"), ("operator", "oper"), ("hopefulness", "hope"),
            ("formality", "formal"), ("electrical", "electr"), ("revival", "reviv"), ("adjustment", "adjust"),
            ("adoption", "adopt"), ("controll", "control"), ("roll", "roll"), ("generalizations", "gener"),
        ]
    )
    func porter(word: String, stem: String) {
        #expect(String(decoding: PorterStemmer.stem(Array(word.utf8)), as: UTF8.self) == stem)
    }

    @Test("Chinese, Japanese and Korean text gives characters and adjacent pairs")
    func cjk() {
        #expect(KeywordTokenizer.terms("我爱北京") == ["我", "爱", "我爱", "北", "爱北", "京", "北京"])
        #expect(KeywordTokenizer.terms("去北京 ok") == ["去", "北", "去北", "京", "北京", "ok"])
        #expect(KeywordTokenizer.terms("Café Zürich") == ["café", "zürich"])
    }

    @Test("repeats are kept; very long words are not terms")
    func repeatsAndLongWords() {
        #expect(KeywordTokenizer.terms("dog dogs cat") == ["dog", "dog", "cat"])
        #expect(KeywordTokenizer.terms(String(repeating: "x", count: 65) + " short") == ["short"])
    }
}
