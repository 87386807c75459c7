import Foundation
import Testing

@testable import MemOSCore

/// Scores the detector on `preference-labels.jsonl`: hand-written sentences, one JSON object a line,
/// `{"text": …, "preferences": [{"polarity": "like" | "dislike", "topic": …}]}` (empty for none).
///
/// Labelling rules: a preference is stated by the user ("I") about the present, not a question, request, wish,
/// reaction to "this/that/it", past event, third person or quotation. Its topic follows the rule in
/// ``PreferenceDetector``'s documentation. Sentences whose topic needs a pronoun resolved ("I can't stand them")
/// are labelled as the preference they state, though the rules cannot find them.
///
/// The last quarter of the file is held out: it was written with the rest, before any rule, and the rules were
/// tuned on the first three quarters only.
@Suite("Preference detector on the labelled set")
struct PreferenceLabelsTests {
    struct Labelled: Decodable {
        struct Preference: Decodable {
            var polarity: String
            var topic: String
        }
        var text: String
        var preferences: [Preference]
    }

    struct Score: CustomStringConvertible {
        var lines = 0
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var topicsRight = 0
        var errors: [String] = []

        var precision: Double { Double(self.truePositives) / Double(max(self.truePositives + self.falsePositives, 1)) }
        var recall: Double { Double(self.truePositives) / Double(max(self.truePositives + self.falseNegatives, 1)) }
        var topicAccuracy: Double { Double(self.topicsRight) / Double(max(self.truePositives, 1)) }

        var description: String {
            let figures = [
                "lines \(self.lines)", "TP \(self.truePositives)", "FP \(self.falsePositives)",
                "FN \(self.falseNegatives)", String(format: "precision %.3f", self.precision),
                String(format: "recall %.3f", self.recall),
                String(format: "topic accuracy %.3f (%d/%d)", self.topicAccuracy, self.topicsRight, self.truePositives),
            ]
            return figures.joined(separator: ", ")
        }

        /// Matches the detector's (polarity, topic) pairs to the labels' by polarity, same topics first.
        mutating func add(_ line: Labelled) {
            self.lines += 1
            var expected = line.preferences.map { ($0.polarity, $0.topic) }
            let found = PreferenceDetector.detect(in: line.text).map { ($0.polarity.rawValue, $0.topic) }
            var unmatched: [(String, String)] = []
            for (polarity, topic) in found {
                if let exact = expected.firstIndex(where: { $0 == (polarity, topic) }) {
                    expected.remove(at: exact)
                    self.truePositives += 1
                    self.topicsRight += 1
                } else {
                    unmatched.append((polarity, topic))
                }
            }
            for (polarity, topic) in unmatched {
                if let same = expected.firstIndex(where: { $0.0 == polarity }) {
                    self.errors.append("topic \(topic) ≠ \(expected[same].1): \(line.text)")
                    expected.remove(at: same)
                    self.truePositives += 1
                } else {
                    self.errors.append("FP \(polarity)/\(topic): \(line.text)")
                    self.falsePositives += 1
                }
            }
            for (polarity, topic) in expected {
                self.errors.append("FN \(polarity)/\(topic): \(line.text)")
                self.falseNegatives += 1
            }
        }
    }

    static func labelled() throws -> [Labelled] {
        let url = try #require(Bundle.module.url(forResource: "preference-labels", withExtension: "jsonl"))
        let decoder = JSONDecoder()
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            try decoder.decode(Labelled.self, from: Data(line.utf8))
        }
    }

    @Test("the set is large enough, and at least 40% of it states no preference")
    func shape() throws {
        let lines = try Self.labelled()
        #expect(lines.count >= 200)
        let negatives = lines.filter(\.preferences.isEmpty).count
        #expect(Double(negatives) >= 0.4 * Double(lines.count))
    }

    @Test("precision and recall over (sentence, polarity) pairs, on the tuning and held-out splits")
    func score() throws {
        let lines = try Self.labelled()
        let heldOutStart = lines.count - lines.count / 4
        var tuning = Score()
        var heldOut = Score()
        for line in lines[..<heldOutStart] { tuning.add(line) }
        for line in lines[heldOutStart...] { heldOut.add(line) }
        print("[preference-labels] tuning split (lines 1–\(heldOutStart)): \(tuning)")
        for error in tuning.errors { print("[preference-labels]   tuning \(error)") }
        print("[preference-labels] held-out split (lines \(heldOutStart + 1)–\(lines.count)): \(heldOut)")
        for error in heldOut.errors { print("[preference-labels]   held-out \(error)") }
        #expect(tuning.precision >= 0.85)
        #expect(tuning.recall >= 0.75)
        #expect(heldOut.precision >= 0.85)
        #expect(heldOut.recall >= 0.75)
    }
}
