import Foundation

/// Fine search: a ``ChatModel`` rephrases the query and names its keywords, as MemOS's goal parser does; the
/// search then runs the original query and the expansions together.
public enum QueryExpansion {
    public static let systemPrompt = """
        You help search a user's long-term memory. Given a question, write up to 3 short rephrasings that would
        match how the answer might have been written down (statements, not questions; other words for the same
        things), and up to 5 keywords (names, places, things). Answer with one JSON object and nothing else:
        {"queries": ["..."], "keywords": ["..."]}
        """

    /// Rephrasings first, then the keywords as one query; at most 4, each non-empty and distinct from `query`.
    /// - Throws: ``FineReader/ParseError`` when the answer holds no usable JSON.
    public static func parse(_ answer: String, query: String) throws -> [String] {
        guard let json = FineReader.outermostObject(in: answer), let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw FineReader.ParseError(reason: "the answer holds no JSON object")
        }
        func strings(_ key: String) -> [String] {
            (object[key] as? [Any] ?? []).compactMap {
                ($0 as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            .filter { !$0.isEmpty }
            .map { String($0.prefix(Limits.maxQueryBytes / 8)) }
        }
        var expansions = Array(strings("queries").prefix(3))
        let keywords = strings("keywords").prefix(5).joined(separator: " ")
        if !keywords.isEmpty { expansions.append(keywords) }
        var seen: Set<String> = [query.lowercased()]
        return expansions.filter { seen.insert($0.lowercased()).inserted }
    }
}
