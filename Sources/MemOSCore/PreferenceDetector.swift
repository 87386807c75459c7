import Foundation

/// A preference the user states explicitly in one sentence: "I prefer window seats", "I never eat meat".
public struct DetectedPreference: Sendable, Hashable {
    /// The sentence as stated, trimmed. A sentence stating two preferences gives two values with the same text.
    public var text: String
    /// Whether the user likes or dislikes ``object``.
    public var polarity: Polarity
    /// The key that lets a later preference supersede this one: lower-case, one word (or one proper name), the
    /// same for "I prefer window seats" and "I prefer aisle seats" ("seat"). See ``PreferenceDetector`` for the
    /// rule.
    public var topic: String
    /// What is liked or disliked, as written: "window seats", "take the train to work", "Radiohead".
    public var object: String

    /// Liking or disliking.
    public enum Polarity: String, Sendable {
        case like
        case dislike
    }

    public init(text: String, polarity: Polarity, topic: String, object: String) {
        self.text = text
        self.polarity = polarity
        self.topic = topic
        self.object = object
    }
}

/// Finds the preferences a user states explicitly, by rule, in English text: the fast mode's substitute for
/// asking a model. It favours precision: a sentence it is not sure of gives nothing.
///
/// ## What fires
/// The subject must be the user alone ("I"), at the start of a clause (the sentence's start, after a comma,
/// semicolon or dash, after "but", "so", "because", "though", or after "and"/"or" once the sentence already had an
/// "I": "My wife and I love brunch" does not fire). Discourse markers ("Actually", "Honestly", "To be honest",
/// "For the record", …) may come first. The frames, in the present tense:
/// - like: "I like / love / adore / enjoy / prefer X", "I'd prefer X", "I'd rather X", "I'm into X",
///   "I'm a (big) fan of X", "I'm a sucker for X", "I'm big on / keen on / crazy about / obsessed with X",
///   "I'm a huge X fan", "I've always loved X", "My favourite C is X" and "X is my favourite C" (topic: the
///   category C), and diets:
///   "I'm vegetarian / vegan / pescatarian / teetotal" (topic "diet").
/// - dislike: "I hate / dislike / detest / loathe / despise X", "I don't like / love / enjoy / care for X",
///   "I can't stand / bear X", "I'm not into / not a fan of / not big on X", "I prefer not to X",
///   "I'd rather not X", "I've never liked X", "X isn't my thing", "X is not for me", "My least favourite C is X"
///   (topic from X, so it never supersedes the favourite).
/// - habits: a frequency adverb and a verb, "I always / usually / often / tend to X" (like) and
///   "I never / rarely / seldom X" or "I don't eat / drink / use / watch … X" (dislike); a verb of thinking,
///   forgetting or wanting ("I always forget…", "I never know…") or in the past tense does not count.
/// - standing instructions about contact and style: "(Please) don't / never / always call / text / email / use /
///   schedule / recommend … X".
///
/// ## What does not fire
/// Questions (a sentence ending in "?" or opening with an auxiliary or wh-word: "Do you like jazz"); other
/// people ("My sister loves cats", "We always…", "He thinks I like jazz"); reported or quoted speech (words inside
/// double quotes never start a preference); conditionals ("If I had time, I'd prefer…"); requests and wishes
/// ("I would like a refund", "I'd love to join", "I want…"); the past ("I liked the movie", "I used to love…");
/// reactions whose object is a pronoun or a pointer ("I like that idea", "I love it", "I like this song",
/// "I like how you…", "I like your style") or one of the options under discussion ("I prefer the second option");
/// neutral statements ("I don't mind…"); and facts that are not preferences ("I'm allergic to peanuts",
/// "I'm a morning person", "I use a Mac"). Pronouns are not resolved: "I can't stand them" gives nothing.
///
/// ## Topic
/// From the object, drop a leading verb (for verbal objects: "take the train"), object pronouns ("call me"),
/// articles, possessives and quantities ("a cup of", "all kinds of"); the head noun phrase then runs to the first
/// preposition, conjunction or adverb ("window seats on long flights" → "window seats"). The topic is its last
/// word, singularised by simple suffix rules ("seats" → "seat", "berries" → "berry"); when the phrase ends in
/// capitalised words, not the sentence's first, it is that proper name, lower-cased and not singularised
/// ("VS Code" → "vs code"). A verbal object with no noun gives the verb ("work from home" → "work"), except that
/// "go", "listen", "stay", "travel" look past a preposition of direction ("go to the gym" → "gym", but
/// "go out on weekdays" → "go"). A sentence stating one preference on several things ("I love hiking and
/// camping") gives one preference, keyed by the first.
public enum PreferenceDetector {
    /// The explicit preferences in `text`, in order; the text is split into sentences first.
    public static func detect(in text: String) -> [DetectedPreference] {
        var found: [DetectedPreference] = []
        for sentence in Self.sentences(text) {
            for preference in Self.preferences(inSentence: sentence) where !found.contains(preference) {
                found.append(preference)
            }
        }
        return found
    }

    // MARK: - Sentences

    /// Splits at ".", "!", "?" and "…" followed by white space (not after "Mr.", "e.g." or an initial), and at
    /// line breaks. Closing quotes and brackets stay with their sentence.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        let characters = Array(text)
        var index = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { sentences.append(trimmed) }
            current = ""
        }
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character.isNewline {
                flush()
                continue
            }
            current.append(character)
            guard Self.terminators.contains(character) else { continue }
            while index < characters.count,
                Self.terminators.contains(characters[index]) || Self.closers.contains(characters[index])
            {
                current.append(characters[index])
                index += 1
            }
            guard index == characters.count || characters[index].isWhitespace else { continue }
            if character == ".", Self.endsWithAbbreviation(current) { continue }
            flush()
        }
        flush()
        return sentences
    }

    static let terminators: Set<Character> = [".", "!", "?", "…"]
    static let closers: Set<Character> = ["\"", "\u{201D}", "\u{2019}", "'", ")", "]"]

    /// Whether `text`, which ends in ".", ends in an abbreviation or an initial rather than a sentence.
    static func endsWithAbbreviation(_ text: String) -> Bool {
        let last = text.dropLast().split(whereSeparator: \.isWhitespace).last.map { $0.lowercased() } ?? ""
        let word = last.trimmingCharacters(in: CharacterSet(charactersIn: "(\"'"))
        if word.count == 1, word.first?.isLetter == true { return true }
        return Self.abbreviations.contains(word)
    }

    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "eg", "ie", "approx", "mt", "jr", "sr",
        "no",
    ]

    // MARK: - Tokens

    /// A word or a punctuation mark of a sentence.
    struct Token: Sendable, Hashable {
        /// As written; empty for the second word of a contraction ("don't" is "do" + "not").
        var text: String
        /// Lower-cased, with curly apostrophes straightened; for punctuation, the mark itself.
        var word: String
        var isWord: Bool
        /// Capitalised, and not the sentence's first word nor "I".
        var isProper: Bool
        /// Inside double quotes.
        var quoted: Bool
    }

    static func tokens(_ sentence: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var quoted = false
        let characters = sentence.map { $0 == "\u{2019}" || $0 == "\u{2018}" ? "'" : $0 }
        func endWord() {
            while word.last == "'" || word.last == "-" { word.removeLast() }
            while word.first == "'" || word.first == "-" { word.removeFirst() }
            guard !word.isEmpty else { return }
            let lower = word.lowercased()
            let first = !tokens.contains { $0.isWord }
            let proper = !first && word.first?.isUppercase == true && lower != "i" && !lower.hasPrefix("i'")
            for (offset, part) in Self.expand(lower).enumerated() {
                tokens.append(
                    Token(
                        text: offset == 0 ? word : "",
                        word: part,
                        isWord: true,
                        isProper: proper,
                        quoted: quoted
                    )
                )
            }
            word = ""
        }
        for (index, character) in characters.enumerated() {
            if character.isLetter || character.isNumber {
                word.append(character)
                continue
            }
            let next = index + 1 < characters.count ? characters[index + 1] : " "
            let nextIsAlphanumeric = next.isLetter || next.isNumber
            if !word.isEmpty, nextIsAlphanumeric {
                if character == "'" || character == "-" || character == "&" && word.count == 1 {
                    word.append(character)
                    continue
                }
                if character == ".", word.last?.isNumber == true, next.isNumber {
                    word.append(character)
                    continue
                }
            }
            endWord()
            switch character {
            case "\"": quoted.toggle()
            case "\u{201C}": quoted = true
            case "\u{201D}": quoted = false
            case "'": break
            default:
                if !character.isWhitespace {
                    tokens.append(
                        Token(
                            text: String(character),
                            word: String(character),
                            isWord: false,
                            isProper: false,
                            quoted: quoted
                        )
                    )
                }
            }
        }
        endWord()
        return tokens
    }

    /// A lower-cased word with its contraction undone: "don't" → "do not", "i'm" → "i am", "it's" → "it is".
    static func expand(_ word: String) -> [String] {
        if let expanded = Self.contractions[word] { return expanded }
        if word.hasSuffix("n't") {
            let stem = String(word.dropLast(3))
            return [Self.negatedStems[stem] ?? stem, "not"]
        }
        for (suffix, full) in Self.suffixContractions where word.hasSuffix(suffix) && word.count > suffix.count {
            return [String(word.dropLast(suffix.count)), full]
        }
        if word.hasSuffix("'s"), Self.isStems.contains(String(word.dropLast(2))) {
            return [String(word.dropLast(2)), "is"]
        }
        return [word]
    }

    static let contractions: [String: [String]] = [
        "cannot": ["can", "not"], "dont": ["do", "not"], "doesnt": ["does", "not"], "didnt": ["did", "not"],
        "cant": ["can", "not"], "im": ["i", "am"], "ive": ["i", "have"], "isnt": ["is", "not"],
        "arent": ["are", "not"],
    ]
    static let negatedStems: [String: String] = ["ca": "can", "wo": "will", "sha": "shall", "ai": "is"]
    static let suffixContractions: [(String, String)] = [
        ("'m", "am"), ("'re", "are"), ("'ve", "have"), ("'ll", "will"), ("'d", "would"),
    ]
    static let isStems: Set<String> = [
        "it", "that", "what", "there", "here", "he", "she", "who", "where", "how", "this", "everything", "nothing",
        "something",
    ]

    // MARK: - Frames

    /// A frame's reading of a clause: the polarity and where the object starts.
    struct Match {
        var polarity: DetectedPreference.Polarity
        /// The object's first token.
        var start: Int
        /// The object opens with a verb: "take the train".
        var verbal: Bool = false
        /// Words that end this frame's object, besides the general ones ("over" after "prefer").
        var cuts: Set<String> = []
        /// A topic the frame fixes (a favourite's category, "diet").
        var topic: String? = nil
        /// The object's end, when the frame fixes it.
        var end: Int? = nil
    }

    static func preferences(inSentence sentence: String) -> [DetectedPreference] {
        let text = sentence.trimmingCharacters(in: .whitespacesAndNewlines)
        let closing = text.trimmingCharacters(in: CharacterSet(charactersIn: "\"'\u{201D}\u{2019})] "))
        if closing.hasSuffix("?") { return [] }
        let tokens = Self.tokens(text)
        let words = tokens.map(\.word)
        guard !words.isEmpty else { return [] }
        if Self.opensQuestionOrCondition(words) { return [] }

        var found: [DetectedPreference] = []
        var tried: Set<Int> = []
        for start in Self.clauseStarts(words) where !tokens[start].quoted {
            let (position, frequency) = Self.skipMarkers(words, from: start)
            guard position < words.count, !tokens[position].quoted, tried.insert(position).inserted else { continue }
            let match =
                Self.matchInstruction(words, at: start) ?? Self.matchFirstPerson(words, at: position, frequency)
                ?? Self.matchFavourite(words, at: position) ?? Self.matchSubjectFirst(words, at: position)
            guard let match, let preference = Self.preference(match, tokens: tokens, sentence: text) else { continue }
            if !found.contains(preference) { found.append(preference) }
        }
        return found
    }

    /// Whether the sentence is a question without its "?" ("do you like jazz") or opens with a condition.
    static func opensQuestionOrCondition(_ words: [String]) -> Bool {
        let (position, _) = Self.skipMarkers(words, from: 0, frequency: false)
        guard position < words.count else { return false }
        let first = words[position]
        let second = position + 1 < words.count ? words[position + 1] : ""
        if Self.conditionOpeners.contains(first) { return true }
        if first == "do" && second == "not" { return false }
        if Self.auxiliaries.contains(first) || Self.whWords.contains(first) { return true }
        return first == "when" && Self.auxiliaries.contains(second)
    }

    static let conditionOpeners: Set<String> = [
        "if", "unless", "suppose", "supposing", "imagine", "hypothetically", "assuming", "whether", "maybe", "perhaps",
    ]
    static let auxiliaries: Set<String> = [
        "do", "does", "did", "would", "could", "can", "should", "will", "shall", "is", "are", "was", "were", "have",
        "has", "had", "am", "may", "might", "must",
    ]
    static let whWords: Set<String> = ["what", "which", "who", "whom", "whose", "why", "how", "where"]

    /// Token indices where a clause may begin.
    static func clauseStarts(_ words: [String]) -> [Int] {
        var starts = [0]
        var sawI = false
        for (index, word) in words.enumerated() where index + 1 < words.count {
            if word == "i" { sawI = true }
            let opens =
                Self.clauseBreaks.contains(word) || Self.clauseConjunctions.contains(word)
                || (sawI && (word == "and" || word == "or"))
            if opens { starts.append(index + 1) }
        }
        return starts
    }

    static let clauseBreaks: Set<String> = [",", ";", ":", "-", "—", "–", "(", "…"]
    static let clauseConjunctions: Set<String> = [
        "but", "so", "though", "although", "because", "yet", "plus", "cause", "whereas", "however",
    ]

    /// Skips discourse markers ("actually", "to be honest", …) from `start`; a fronted frequency adverb
    /// ("Usually I…") is skipped too when `frequency` is set, and returned: true for negative ("never").
    static func skipMarkers(_ words: [String], from start: Int, frequency: Bool = true) -> (Int, Bool?) {
        var index = start
        var negative: Bool?
        outer: while index < words.count {
            for phrase in Self.markerPhrases where Self.matches(words, phrase, at: index) {
                index += phrase.count
                continue outer
            }
            let word = words[index]
            if Self.markers.contains(word) || word == "," {
                index += 1
            } else if frequency, let adverb = Self.frequency(words, at: index) {
                negative = adverb.negative
                index += adverb.length
            } else {
                break
            }
        }
        return (index, negative)
    }

    static let markers: Set<String> = [
        "actually", "honestly", "frankly", "personally", "well", "oh", "ah", "also", "plus", "and", "but", "so", "yes",
        "yeah", "yep", "no", "nope", "nah", "ok", "okay", "anyway", "anyways", "basically", "really", "hmm", "um",
        "tbh", "fyi", "btw", "overall", "though", "now", "then", "sure", "seriously", "truthfully", "nowadays",
        "lately",
    ]
    static let markerPhrases: [[String]] = [
        ["to", "be", "honest"], ["to", "be", "fair"], ["to", "be", "clear"], ["for", "the", "record"],
        ["by", "the", "way"], ["in", "general"], ["as", "for", "me"], ["for", "me"], ["these", "days"],
        ["in", "fact"], ["just", "so", "you", "know"], ["if", "i", "am", "honest"],
        ["if", "i", "am", "being", "honest"],
    ]

    static func matches(_ words: [String], _ phrase: [String], at index: Int) -> Bool {
        guard index + phrase.count <= words.count else { return false }
        return zip(words[index...], phrase).allSatisfy { $0 == $1 }
    }

    /// A frequency adverb at `index`: its length in words and whether it is negative ("never", "rarely").
    static func frequency(_ words: [String], at index: Int) -> (length: Int, negative: Bool)? {
        for (phrase, negative) in Self.frequencyPhrases where Self.matches(words, phrase, at: index) {
            return (phrase.count, negative)
        }
        return nil
    }

    static let frequencyPhrases: [([String], Bool)] = [
        (["almost", "always"], false), (["almost", "never"], true), (["hardly", "ever"], true),
        (["always"], false), (["usually"], false), (["normally"], false), (["typically"], false),
        (["generally"], false), (["mostly"], false), (["often"], false), (["regularly"], false),
        (["frequently"], false), (["mainly"], false), (["never"], true), (["rarely"], true), (["seldom"], true),
    ]

    /// Adverbs that may sit between "I" and the verb without changing the reading.
    static let softAdverbs: Set<String> = [
        "really", "truly", "absolutely", "definitely", "genuinely", "honestly", "actually", "personally", "just",
        "totally", "also", "still", "certainly", "simply", "seriously", "quite", "especially", "particularly",
        "sincerely", "kinda", "kind", "sort", "much", "strictly", "fully", "completely", "entirely", "so", "very",
        "pretty", "all", "deeply", "super",
    ]

    static func skipSoft(_ words: [String], from start: Int) -> Int {
        var index = start
        while index < words.count {
            let word = words[index]
            if (word == "kind" || word == "sort") && index + 1 < words.count && words[index + 1] == "of" {
                index += 2
            } else if Self.softAdverbs.contains(word) && word != "kind" && word != "sort" {
                index += 1
            } else {
                break
            }
        }
        return index
    }

    static let likeVerbs: Set<String> = ["like", "love", "adore", "enjoy", "prefer"]
    static let dislikeVerbs: Set<String> = ["hate", "dislike", "detest", "loathe", "despise", "abhor"]
    static let likedParticiples: Set<String> = ["liked", "loved", "enjoyed", "adored", "preferred"]
    static let dislikedParticiples: Set<String> = ["hated", "disliked", "detested", "loathed", "despised"]
    /// Verbs whose negation ("I don't eat pork") states a standing dislike.
    static let abstainVerbs: Set<String> = [
        "eat", "drink", "smoke", "watch", "use", "fly", "drive", "wear", "read", "play", "cook", "listen", "own",
        "touch", "buy", "order", "take",
    ]
    static let dietWords: Set<String> = [
        "vegetarian", "vegan", "pescatarian", "pescetarian", "teetotal", "teetotaler", "teetotaller", "gluten-free",
        "plant-based", "keto", "paleo",
    ]

    /// Frames whose subject is "I", at `index`.
    static func matchFirstPerson(_ words: [String], at index: Int, _ fronted: Bool?) -> Match? {
        guard index < words.count, words[index] == "i" else { return nil }
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        var position = Self.skipSoft(words, from: index + 1)
        var negative = fronted
        if let adverb = Self.frequency(words, at: position) {
            negative = adverb.negative
            position = Self.skipSoft(words, from: position + adverb.length)
        } else if word(position) == "tend" {
            if word(position + 1) == "to" {
                negative = false
                position += 2
            } else if word(position + 1) == "not" && word(position + 2) == "to" {
                negative = true
                position += 3
            }
        }
        let verb = word(position)
        if Self.likeVerbs.contains(verb) {
            return Self.matchLikeVerb(words, at: position, flipped: negative == true)
        }
        if Self.dislikeVerbs.contains(verb) {
            guard negative != true else { return nil }
            return Match(polarity: .dislike, start: position + 1)
        }
        switch verb {
        case "do" where Self.likeVerbs.contains(word(position + 1)):
            // Emphatic: "I do like jazz".
            return Self.matchLikeVerb(words, at: position + 1, flipped: negative == true)
        case "do" where Self.dislikeVerbs.contains(word(position + 1)):
            return negative == true ? nil : Match(polarity: .dislike, start: position + 2)
        case "do", "does":
            guard word(position + 1) == "not" else { return nil }
            let next = Self.skipSoft(words, from: position + 2)
            let negated = word(next)
            if ["like", "love", "enjoy"].contains(negated) {
                return Self.matchLikeVerb(words, at: next, flipped: true)
            }
            if negated == "care" && word(next + 1) == "for" {
                return Match(polarity: .dislike, start: next + 2)
            }
            if Self.abstainVerbs.contains(negated) {
                return Match(polarity: .dislike, start: next, verbal: true)
            }
            return nil
        case "would":
            let next = Self.skipSoft(words, from: position + 1)
            if word(next) == "rather" {
                if word(next + 1) == "not" {
                    return Match(polarity: .dislike, start: next + 2, verbal: true, cuts: ["than", "over", "instead"])
                }
                return Match(polarity: .like, start: next + 1, verbal: true, cuts: ["than", "over", "instead"])
            }
            if word(next) == "prefer" { return Self.matchLikeVerb(words, at: next, flipped: false) }
            return nil
        case "have":
            var next = position + 1
            var never = false
            if ["always", "long"].contains(word(next)) {
                next += 1
            } else if word(next) == "never" {
                never = true
                next += 1
            }
            next = Self.skipSoft(words, from: next)
            if Self.likedParticiples.contains(word(next)) {
                return Match(polarity: never ? .dislike : .like, start: next + 1)
            }
            if Self.dislikedParticiples.contains(word(next)) {
                return never ? nil : Match(polarity: .dislike, start: next + 1)
            }
            if word(next) == "been" {
                guard var match = Self.matchBeing(words, at: next + 1) else { return nil }
                if never { match.polarity = match.polarity == .like ? .dislike : .like }
                return match.topic == nil ? match : nil
            }
            // A habit: "I usually have porridge".
            guard let negative else { return nil }
            return Match(polarity: negative ? .dislike : .like, start: position, verbal: true)
        case "am":
            return Self.matchBeing(words, at: position + 1)
        case "can", "could":
            guard word(position + 1) == "not" else { return nil }
            let next = Self.skipSoft(words, from: position + 2)
            guard ["stand", "bear", "tolerate", "abide"].contains(word(next)) else { return nil }
            return Match(polarity: .dislike, start: next + 1)
        default:
            guard let negative else { return nil }
            return Match(polarity: negative ? .dislike : .like, start: position, verbal: true)
        }
    }

    /// "like", "love", "enjoy", "prefer" at `index`, with a noun or a "to" verb after it.
    static func matchLikeVerb(_ words: [String], at start: Int, flipped: Bool) -> Match? {
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        // "I love love love this": the verb once.
        var index = start
        while word(index + 1) == words[index] { index += 1 }
        let prefer = words[index] == "prefer"
        let cuts: Set<String> = prefer ? ["over", "to", "instead", "rather"] : []
        let polarity: DetectedPreference.Polarity = flipped ? .dislike : .like
        if word(index + 1) == "to" {
            return Match(polarity: polarity, start: index + 2, verbal: true, cuts: prefer ? ["over", "instead"] : [])
        }
        if prefer && word(index + 1) == "not" && word(index + 2) == "to" {
            guard !flipped else { return nil }
            return Match(polarity: .dislike, start: index + 3, verbal: true, cuts: ["over", "instead"])
        }
        return Match(polarity: polarity, start: index + 1, cuts: cuts)
    }

    /// The "I am" frames, from the word after "am": "into X", "a fan of X", "keen on X", "vegetarian".
    static func matchBeing(_ words: [String], at start: Int) -> Match? {
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        var position = Self.skipSoft(words, from: start)
        var negative = false
        if word(position) == "not" {
            negative = true
            position = Self.skipSoft(words, from: position + 1)
        }
        let polarity: DetectedPreference.Polarity = negative ? .dislike : .like
        if word(position) == "a" || word(position) == "an" {
            var next = position + 1
            while Self.fanAdjectives.contains(word(next)) { next += 1 }
            if word(next) == "fan" && word(next + 1) == "of" { return Match(polarity: polarity, start: next + 2) }
            // "I'm a huge Arsenal fan", "I'm not a big jazz fan".
            if let fan = (next + 1..<min(next + 4, words.count)).first(where: { words[$0] == "fan" }),
                words[next..<fan].allSatisfy({ $0.first?.isLetter == true && $0 != "of" })
            {
                return Match(polarity: polarity, start: next, end: fan)
            }
            if word(next) == "sucker" && word(next + 1) == "for" && !negative {
                return Match(polarity: .like, start: next + 2)
            }
            if Self.dietWords.contains(word(next)) && !negative {
                return Match(polarity: .like, start: next, topic: "diet", end: next + 1)
            }
            return nil
        }
        if word(position) == "into" { return Match(polarity: polarity, start: position + 1) }
        if let prepositions = Self.keenAdjectives[word(position)], prepositions.contains(word(position + 1)) {
            return Match(polarity: polarity, start: position + 2)
        }
        if Self.dietWords.contains(word(position)) && !negative {
            return Match(polarity: .like, start: position, topic: "diet", end: position + 1)
        }
        return nil
    }

    static let fanAdjectives: Set<String> = [
        "big", "huge", "great", "massive", "real", "total", "diehard", "die-hard", "major", "strict",
        "lifelong", "committed",
    ]
    static let keenAdjectives: [String: Set<String>] = [
        "big": ["on"], "keen": ["on"], "crazy": ["about"], "mad": ["about"], "passionate": ["about"],
        "obsessed": ["with"], "fond": ["of"], "partial": ["to"], "nuts": ["about"], "wild": ["about"],
    ]

    /// Standing instructions: "(Please) don't / never / always call / text / use … X".
    static func matchInstruction(_ words: [String], at start: Int) -> Match? {
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        var position = start
        while ["please", "also", "and", "but", "so", "just", "oh"].contains(word(position)) { position += 1 }
        let polarity: DetectedPreference.Polarity
        if word(position) == "do" && word(position + 1) == "not" {
            polarity = .dislike
            position += 2
        } else if word(position) == "never" {
            polarity = .dislike
            position += 1
        } else if word(position) == "always" {
            polarity = .like
            position += 1
        } else {
            return nil
        }
        while word(position) == "please" || word(position) == "ever" { position += 1 }
        guard Self.instructionVerbs.contains(word(position)) else { return nil }
        return Match(polarity: polarity, start: position, verbal: true)
    }

    static let instructionVerbs: Set<String> = [
        "call", "phone", "ring", "text", "email", "e-mail", "message", "ping", "contact", "wake", "disturb", "use",
        "schedule", "book", "cc", "recommend", "suggest", "reply", "respond", "answer", "write", "address", "remind",
        "add", "include", "mention",
    ]

    /// "My favourite C is X", "My least favourite C is X".
    static func matchFavourite(_ words: [String], at start: Int) -> Match? {
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        guard word(start) == "my" else { return nil }
        var position = start + 1
        var least = false
        while ["all-time", "absolute", "very", "personal", "current", "least", "most"].contains(word(position)) {
            if word(position) == "least" { least = true }
            position += 1
        }
        guard Self.favouriteWords.contains(word(position)) else { return nil }
        let categoryStart = position + 1
        var verb = categoryStart
        let verbs: Set<String> = ["is", "are", "would", "has", "will"]
        while verb < words.count, verb - categoryStart <= 4, !verbs.contains(words[verb]) {
            guard words[verb].first?.isLetter == true else { return nil }
            verb += 1
        }
        var objectStart = verb + 1
        switch word(verb) {
        case "is", "are": break
        case "would", "will":
            guard word(verb + 1) == "be" else { return nil }
            objectStart = verb + 2
        case "has":
            guard word(verb + 1) == "to" && word(verb + 2) == "be" else { return nil }
            objectStart = verb + 3
        default: return nil
        }
        guard objectStart < words.count else { return nil }
        if least { return Match(polarity: .dislike, start: objectStart) }
        let category = Self.topic(words: words, tokens: nil, range: categoryStart..<verb, verbal: false)
        return Match(polarity: .like, start: objectStart, topic: category)
    }

    static let favouriteWords: Set<String> = ["favourite", "favorite", "fave", "favourites", "favorites"]

    /// "X is my favourite (C)", "X isn't my thing", "X is not for me".
    static func matchSubjectFirst(_ words: [String], at start: Int) -> Match? {
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        guard start < words.count, !Self.subjectPronouns.contains(words[start]) else { return nil }
        var verb = start
        while verb < words.count, verb - start < 6, words[verb] != "is", words[verb] != "are" {
            guard words[verb].first?.isLetter == true || words[verb].first?.isNumber == true,
                words[verb] != "i", !Self.clauseConjunctions.contains(words[verb])
            else { return nil }
            verb += 1
        }
        guard verb > start, verb < words.count else { return nil }
        var position = verb + 1
        var negative = false
        if word(position) == "not" {
            negative = true
            position += 1
        }
        position = Self.skipSoft(words, from: position)
        if word(position) == "my" {
            var next = position + 1
            var least = false
            while ["all-time", "absolute", "very", "personal", "least", "most"].contains(word(next)) {
                if word(next) == "least" { least = true }
                next += 1
            }
            if Self.favouriteWords.contains(word(next)) && !negative {
                var categoryEnd = next + 1
                while categoryEnd < words.count, words[categoryEnd].first?.isLetter == true { categoryEnd += 1 }
                let category =
                    least ? nil : Self.topic(words: words, tokens: nil, range: (next + 1)..<categoryEnd, verbal: false)
                return Match(polarity: least ? .dislike : .like, start: start, topic: category, end: verb)
            }
            if ["thing", "jam", "style"].contains(word(next)) || Self.matches(words, ["cup", "of", "tea"], at: next) {
                return Match(polarity: negative ? .dislike : .like, start: start, end: verb)
            }
            return nil
        }
        if negative && word(position) == "for" && word(position + 1) == "me" {
            return Match(polarity: .dislike, start: start, end: verb)
        }
        return nil
    }

    static let subjectPronouns: Set<String> = [
        "it", "this", "that", "these", "those", "he", "she", "they", "we", "you", "there", "here", "what", "who",
        "which", "everything", "nothing", "something", "i", "one", "mine", "yours", "his", "hers", "theirs",
    ]

    // MARK: - Object and topic

    /// The preference a match gives, or nil when its object is empty, a pronoun or a pointer.
    static func preference(_ match: Match, tokens: [Token], sentence: String) -> DetectedPreference? {
        let words = tokens.map(\.word)
        let end = match.end ?? Self.objectEnd(words, tokens: tokens, from: match.start, cuts: match.cuts)
        guard match.start < end else { return nil }
        let range = match.start..<end
        if Self.reactionWords.contains(words[match.start]) { return nil }
        guard let topic = match.topic ?? Self.topic(words: words, tokens: tokens, range: range, verbal: match.verbal)
        else { return nil }
        let object = tokens[range].map(\.text).filter { !$0.isEmpty }.joined(separator: " ")
        guard !object.isEmpty, !topic.isEmpty else { return nil }
        return DetectedPreference(text: sentence, polarity: match.polarity, topic: topic, object: object)
    }

    /// Where the object that starts at `start` ends: at punctuation, a new clause or an adverbial tail.
    static func objectEnd(_ words: [String], tokens: [Token], from start: Int, cuts: Set<String>) -> Int {
        var end = start
        while end < words.count {
            let token = tokens[end]
            if !token.isWord && !token.quoted { break }
            if end > start {
                let word = token.word
                let next = end + 1 < words.count ? words[end + 1] : ""
                if Self.objectBreaks.contains(word) || cuts.contains(word) { break }
                if (word == "and" || word == "or") && next == "i" { break }
                if word == "so" && (Self.subjectPronouns.contains(next) || next == "that") { break }
                if ["more", "better", "less", "rather"].contains(word) && next == "than" { break }
                if word == "even" && ["if", "though", "when"].contains(next) { break }
                if word == "as" && ["long", "well", "much"].contains(next) { break }
                if Self.tailPhrases.contains(where: { Self.matches(words, $0, at: end) }) { break }
            }
            end += 1
        }
        return end
    }

    static let objectBreaks: Set<String> = [
        "because", "since", "when", "whenever", "while", "whereas", "although", "though", "but", "unless", "if",
        "than", "until", "instead", "please", "anymore", "nowadays", "lately", "too", "either", "honestly",
        "personally", "generally",
    ]
    static let tailPhrases: [[String]] = [
        ["these", "days"], ["right", "now"], ["at", "the", "moment"], ["at", "all"], ["a", "lot"],
        ["very", "much"], ["so", "much"], ["the", "most"], ["as", "well"], ["in", "general"], ["for", "sure"],
        ["most", "of", "the", "time"],
    ]

    /// Object words that make a statement a reaction or a pointer, not a preference: "I like that idea".
    static let reactionWords: Set<String> = [
        "it", "that", "this", "these", "those", "them", "you", "him", "her", "one", "ones", "both", "either",
        "neither", "how", "what", "when", "where", "why", "who", "whoever", "whatever", "your", "yours", "everything",
        "everyone", "everybody", "someone", "somebody", "nothing", "he", "she", "they", "we", "i", "if", "whether",
        "enough", "myself", "yourself", "himself", "herself", "themselves", "ourselves", "em",
    ]
    /// Head nouns that make an object one of the options under discussion, not a standing preference:
    /// "I prefer the second option", "I love the idea of a road trip".
    static let choiceNouns: Set<String> = [
        "idea", "ideas", "option", "options", "choice", "choices", "suggestion", "suggestions", "proposal",
        "alternative", "alternatives", "version", "way",
    ]

    /// The topic of the object in `range` (see ``PreferenceDetector``), or nil when it has no noun and no verb.
    static func topic(words: [String], tokens: [Token]?, range: Range<Int>, verbal: Bool) -> String? {
        var index = range.lowerBound
        let end = range.upperBound
        func word(_ position: Int) -> String { position < end ? words[position] : "" }
        var verb: String?
        if verbal {
            index = Self.skipSoft(words, from: index)
            guard index < end else { return nil }
            let candidate = words[index]
            guard candidate.first?.isLetter == true, !Self.blockedVerbs.contains(candidate),
                !Self.isPastTense(candidate), !Self.reactionWords.contains(candidate)
            else { return nil }
            if candidate == "have" && word(index + 1) == "to" { return nil }
            if candidate == "get" && (Self.stateWords.contains(word(index + 1)) || word(index + 1).hasSuffix("ed")) {
                return nil
            }
            verb = candidate
            index += 1
            let afterVerb = index
            while Self.particles.contains(word(index)) { index += 1 }
            while Self.objectPronouns.contains(word(index)) { index += 1 }
            if Self.reactionWords.contains(word(index)) { return nil }
            // "go to the gym", "listen to jazz"; not "go out on weekdays".
            if index == afterVerb, Self.lightVerbs.contains(candidate), Self.directions.contains(word(index)) {
                index += 1
            }
        }
        var possessive = false
        func skipDeterminers() {
            while index < end, Self.determiners.contains(words[index]) {
                if words[index] == "my" || words[index] == "our" { possessive = true }
                index += 1
            }
        }
        skipDeterminers()
        if ["being", "getting"].contains(word(index)) { index += 1 }
        if Self.quantityNouns.contains(word(index)) && word(index + 1) == "of" {
            index += 2
            skipDeterminers()
        }
        if !verbal, Self.reactionWords.contains(word(index)) { return nil }
        // After a verb, "early" or "last" is an adverb ("go to bed early"); opening a noun phrase, an adjective
        // ("early mornings").
        var headEnd = index
        while headEnd < end, words[headEnd].first?.isLetter == true || words[headEnd].first?.isNumber == true {
            let stops = verbal || headEnd > index ? Self.headStops : Self.headStops.subtracting(Self.premodifiers)
            if stops.contains(words[headEnd]) { break }
            headEnd += 1
        }
        if possessive {
            while headEnd - index > 1, Self.predicativeAdjectives.contains(words[headEnd - 1]) { headEnd -= 1 }
        }
        guard headEnd > index else { return verb }
        let last = words[headEnd - 1]
        if Self.reactionWords.contains(last) || Self.choiceNouns.contains(last) { return nil }
        if let tokens {
            var properStart = headEnd
            while properStart > index, tokens[properStart - 1].isProper { properStart -= 1 }
            if properStart < headEnd {
                return words[properStart..<headEnd].joined(separator: " ")
            }
        }
        return Self.singular(last)
    }

    static let blockedVerbs: Set<String> = [
        "know", "forget", "remember", "understand", "think", "believe", "guess", "feel", "seem", "lose", "miss",
        "end", "manage", "struggle", "fail", "mean", "wonder", "hear", "say", "tell", "worry", "need", "want", "wish",
        "hope", "try", "am", "is", "are", "was", "were", "be", "been", "being", "will", "would", "can", "could",
        "should", "may", "might", "must", "shall", "did", "had", "let", "ask", "admit", "agree", "assume", "suppose",
        "imagine", "notice", "realise", "realize", "recall", "regret", "complain", "not", "to",
    ]
    static let stateWords: Set<String> = [
        "lost", "sick", "tired", "bored", "stuck", "angry", "upset", "nervous", "anxious", "hungry", "distracted",
        "annoyed", "confused", "mad", "cold", "hot", "wet", "dizzy",
    ]
    static let irregularPasts: Set<String> = [
        "went", "was", "were", "had", "did", "ate", "drank", "took", "got", "came", "saw", "thought", "said", "made",
        "knew", "felt", "flew", "drove", "wore", "bought", "brought", "caught", "taught", "found", "gave", "left",
        "lost", "met", "paid", "ran", "sat", "slept", "spent", "spoke", "stood", "told", "understood", "woke", "won",
        "wrote", "chose", "began", "kept", "sang", "swam", "rode", "forgot", "became", "used",
    ]
    static let edVerbs: Set<String> = [
        "need", "feed", "bleed", "breed", "speed", "seed", "shed", "shred", "wed", "bed", "embed", "exceed", "proceed",
        "succeed", "heed", "weed",
    ]

    static func isPastTense(_ word: String) -> Bool {
        if Self.irregularPasts.contains(word) { return true }
        return word.hasSuffix("ed") && word.count > 3 && !Self.edVerbs.contains(word)
    }

    static let particles: Set<String> = ["up", "out", "off", "down", "away", "back", "around"]
    static let objectPronouns: Set<String> = [
        "me", "us", "myself", "ourselves", "anything", "something", "anyone", "anybody",
    ]
    static let lightVerbs: Set<String> = ["go", "listen", "stay", "travel", "look", "come", "shop", "head"]
    static let directions: Set<String> = ["to", "for", "by", "in", "at", "with", "into"]
    static let prepositions: Set<String> = [
        "in", "on", "at", "for", "with", "by", "from", "to", "of", "about", "during", "before", "after", "around",
        "near", "over", "under", "like", "without", "into", "onto", "through", "across", "via", "per", "between",
        "among", "against", "until", "till", "since", "within", "inside", "outside", "behind", "beyond", "except",
        "unlike", "towards", "toward", "than",
    ]
    static let determiners: Set<String> = [
        "a", "an", "the", "my", "our", "some", "any", "all", "more", "most", "lots", "plenty", "much", "many", "few",
        "several", "no", "fewer", "less", "other", "such", "own",
    ]
    static let quantityNouns: Set<String> = [
        "cup", "cups", "glass", "glasses", "bowl", "bowls", "plate", "piece", "pieces", "slice", "slices", "bit",
        "lot", "lots", "kind", "kinds", "sort", "sorts", "type", "types", "bunch", "couple", "pair", "smell", "taste",
        "sound", "plenty", "bottle", "bottles", "mug", "style", "styles", "variety",
    ]
    static let headStops: Set<String> = Self.prepositions.union([
        "and", "or", "but", "nor", "&", "plus", "so", "yet", "when", "whenever", "while", "if", "because", "that",
        "which", "who", "whom", "whose", "where", "as", "though", "although", "unless", "whereas", "every", "each",
        "today", "tonight", "tomorrow", "yesterday", "now", "right", "these", "this", "next", "last", "early", "late",
        "alone", "together", "anymore", "nowadays", "too", "much", "more", "most", "less", "least", "better", "best",
        "well", "instead", "either", "again", "really", "honestly", "personally", "generally", "usually", "often",
        "always", "ever", "never", "sometimes", "first", "later", "abroad", "online", "offline", "even", "only",
        "especially", "mostly", "please", "lately", "ago", "anyway", "overall", "here", "there", "very", "so",
        "quickly", "slowly", "regularly", "daily", "weekly", "i", "you", "he", "she", "it", "we", "they",
    ])
    /// Head-phrase stops that may also open a noun phrase as adjectives.
    static let premodifiers: Set<String> = [
        "early", "late", "last", "next", "first", "daily", "weekly", "right", "better", "best", "more", "most", "less",
        "least", "this", "these", "every", "each", "only", "very", "well",
    ]
    static let predicativeAdjectives: Set<String> = [
        "black", "white", "strong", "weak", "hot", "cold", "iced", "sweet", "spicy", "mild", "rare", "medium", "short",
        "long", "simple", "quiet", "warm", "dark", "light", "plain", "clean", "brief", "concise", "neat", "raw",
        "fresh", "cool", "loud", "crispy", "soft", "hard", "tidy", "organised", "organized", "private", "open",
        "closed", "minimal", "separate", "done", "cooked", "big", "small",
    ]

    // MARK: - Singular

    /// A plural noun's singular by suffix rules, with a few exceptions: "seats" → "seat", "berries" → "berry",
    /// "dishes" → "dish", "movies" → "movie"; "news", "series", "glasses" stay.
    static func singular(_ word: String) -> String {
        if let irregular = Self.irregularPlurals[word] { return irregular }
        if Self.invariantPlurals.contains(word) || word.count <= 3 || !word.hasSuffix("s") { return word }
        if word.hasSuffix("ies") {
            let ofIe = Self.iesPluralsOfIe.contains(word) || word.count <= 4
            return ofIe ? String(word.dropLast()) : word.dropLast(3) + "y"
        }
        if word.hasSuffix("sses") || word.hasSuffix("shes") || word.hasSuffix("xes") || word.hasSuffix("zzes") {
            return String(word.dropLast(2))
        }
        if word.hasSuffix("ches") {
            return Self.chesPluralsOfChe.contains(word) ? String(word.dropLast()) : String(word.dropLast(2))
        }
        if word.hasSuffix("oes") {
            return Self.oesPluralsOfO.contains(word) ? String(word.dropLast(2)) : String(word.dropLast())
        }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("sis") { return word }
        return String(word.dropLast())
    }

    static let irregularPlurals: [String: String] = [
        "children": "child", "men": "man", "women": "woman", "feet": "foot", "teeth": "tooth", "mice": "mouse",
        "geese": "goose", "knives": "knife", "wives": "wife", "lives": "life", "leaves": "leaf", "loaves": "loaf",
        "shelves": "shelf", "wolves": "wolf", "halves": "half", "calves": "calf", "scarves": "scarf",
    ]
    static let invariantPlurals: Set<String> = [
        "news", "series", "species", "outdoors", "clothes", "glasses", "jeans", "pants", "trousers", "shorts",
        "scissors", "means", "physics", "mathematics", "maths", "politics", "economics", "athletics", "gymnastics",
        "aerobics", "chess", "always", "perhaps", "lens", "canvas", "atlas", "christmas", "tennis", "thanks",
        "whereas", "kudos", "chaos", "bus", "gas", "plus", "sous", "headphones", "earphones", "sunglasses",
        "people", "this", "iris", "axis", "chassis", "debris", "pelvis", "trellis", "penis", "paris",
    ]
    static let iesPluralsOfIe: Set<String> = [
        "movies", "cookies", "zombies", "brownies", "selfies", "calories", "smoothies", "rookies", "hoodies",
        "goalies", "aunties", "veggies", "indies", "freebies", "genies", "pies", "ties", "lies", "birdies", "newbies",
        "techies", "foodies", "roadies", "sweeties", "boogies", "cowries",
    ]
    static let chesPluralsOfChe: Set<String> = [
        "headaches", "caches", "moustaches", "mustaches", "niches", "quiches", "avalanches", "cliches", "psyches",
    ]
    static let oesPluralsOfO: Set<String> = [
        "tomatoes", "potatoes", "heroes", "mangoes", "echoes", "volcanoes", "mosquitoes", "vetoes", "torpedoes",
        "dominoes",
    ]
}
