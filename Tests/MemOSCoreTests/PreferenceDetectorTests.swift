import Testing

@testable import MemOSCore

@Suite("Preference detector")
struct PreferenceDetectorTests {
    /// The one preference `text` states, as (polarity, topic); nil when it states none or several.
    static func only(_ text: String) -> (DetectedPreference.Polarity, String)? {
        let found = PreferenceDetector.detect(in: text)
        guard found.count == 1 else { return nil }
        return (found[0].polarity, found[0].topic)
    }

    @Test(
        "the brief's examples are found, with their polarity and topic",
        arguments: [
            ("I prefer window seats", DetectedPreference.Polarity.like, "seat"),
            ("I really like green tea", .like, "tea"),
            ("I love hiking", .like, "hiking"),
            ("I hate horror movies", .dislike, "movie"),
            ("I don't like cilantro", .dislike, "cilantro"),
            ("I always take the train", .like, "train"),
            ("I never eat meat", .dislike, "meat"),
            ("my favourite band is Radiohead", .like, "band"),
            ("I'm vegetarian", .like, "diet"),
            ("I'd rather work mornings", .like, "morning"),
            ("please don't call me before 9", .dislike, "call"),
            ("I can't stand loud music", .dislike, "music"),
            ("I'm not a fan of jazz", .dislike, "jazz"),
            ("I enjoy long walks", .like, "walk"),
            ("I'm into bouldering", .like, "bouldering"),
            ("I usually cycle to work", .like, "cycle"),
        ]
    )
    func examples(text: String, polarity: DetectedPreference.Polarity, topic: String) {
        let found = Self.only(text)
        #expect(found?.0 == polarity, "\(text)")
        #expect(found?.1 == topic, "\(text)")
    }

    @Test(
        "questions, other people, requests, the past, reactions and quotes give nothing",
        arguments: [
            "Do you like jazz?", "do you like jazz", "Would you prefer tea", "My sister loves cats.",
            "My wife and I love brunch.", "We always eat late.", "He thinks I like jazz.",
            "I would like to know the time.", "I would like a refund.", "I'd love to join you.",
            "I want a window seat.", "I liked the movie yesterday.", "I used to love camping.",
            "I didn't like the ending.", "I like that idea.", "I love it!", "I like this song.",
            "I like how you explained that.", "I like your style.", "She said \"I hate Mondays\" and left.",
            "If I had time, I would prefer the boat.", "I don't mind the rain.", "I'm allergic to peanuts.",
            "I always forget my password.", "I never know what to order.", "Please call me Sam.",
        ]
    )
    func negatives(text: String) {
        #expect(PreferenceDetector.detect(in: text).isEmpty, "\(text)")
    }

    @Test("a later preference on the same subject has the same topic, whatever the adjectives")
    func supersession() {
        #expect(Self.only("I prefer window seats.")?.1 == Self.only("Actually, I prefer aisle seats.")?.1)
        #expect(Self.only("My favourite band is Radiohead.")?.1 == Self.only("Muse is my favourite band.")?.1)
        #expect(Self.only("I'm vegetarian.")?.1 == Self.only("I'm vegan now.")?.1)
        #expect(Self.only("I love green tea.")?.1 == Self.only("I can't stand black tea.")?.1)
        // A least favourite is keyed by the thing, so it never supersedes the favourite.
        #expect(Self.only("My least favourite food is celery.")! == (.dislike, "celery"))
    }

    @Test("the object is the text as written, without its clause tail")
    func object() {
        let found = PreferenceDetector.detect(in: "Honestly, I prefer VS Code over Vim because it's faster.")
        #expect(found.count == 1)
        #expect(found.first?.object == "VS Code")
        #expect(found.first?.topic == "vs code")
        #expect(found.first?.text == "Honestly, I prefer VS Code over Vim because it's faster.")
        let habit = PreferenceDetector.detect(in: "I always take the train to work.")
        #expect(habit.first?.object == "take the train to work")
    }

    @Test("a text gives one preference per clause, across sentences")
    func several() {
        let found = PreferenceDetector.detect(
            in: "Thanks! I love sushi but I hate wasabi. Do you like it? I'm not into karaoke, and I never sing."
        )
        #expect(found.map(\.polarity) == [.like, .dislike, .dislike, .dislike])
        #expect(found.map(\.topic) == ["sushi", "wasabi", "karaoke", "sing"])
        #expect(found[0].text == "I love sushi but I hate wasabi.")
    }

    @Test("sentences split at terminators, not after abbreviations or inside numbers")
    func sentences() {
        #expect(
            PreferenceDetector.sentences("I met Dr. Smith at 9.30 today. Me? I prefer tea!\nNew line") == [
                "I met Dr. Smith at 9.30 today.", "Me?", "I prefer tea!", "New line",
            ]
        )
    }

    @Test(
        "plurals are singularised by simple rules",
        arguments: [
            ("seats", "seat"), ("berries", "berry"), ("movies", "movie"), ("dishes", "dish"), ("boxes", "box"),
            ("sandwiches", "sandwich"), ("tomatoes", "tomato"), ("shoes", "shoe"), ("news", "news"),
            ("glasses", "glasses"), ("bus", "bus"), ("tennis", "tennis"), ("knives", "knife"), ("tea", "tea"),
            ("class", "class"), ("photos", "photo"), ("children", "child"),
        ]
    )
    func singular(plural: String, singular: String) {
        #expect(PreferenceDetector.singular(plural) == singular)
    }

    @Test("contractions are undone and curly apostrophes straightened")
    func contractions() {
        let words = PreferenceDetector.tokens("I’m sure I can't, she won't, it's Sam's").map(\.word)
        #expect(words == ["i", "am", "sure", "i", "can", "not", ",", "she", "will", "not", ",", "it", "is", "sam's"])
    }
}
