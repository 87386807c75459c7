/// Small vector helpers for exact search.
public enum VectorMath {
    /// The vector scaled to unit length; a zero vector is returned unchanged.
    public static func normalized(_ vector: [Float]) -> [Float] {
        let norm = self.dot(vector, vector).squareRoot()
        guard norm > 0 else { return vector }
        return vector.map { $0 / norm }
    }

    /// Dot product; vectors of different lengths compare over the shorter one.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        let count = min(a.count, b.count)
        var sum: Float = 0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for index in 0..<count { sum += a[index] * b[index] }
            }
        }
        return sum
    }

    /// Cosine similarity in -1...1; 0 when either vector is zero.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let denominator = (self.dot(a, a) * self.dot(b, b)).squareRoot()
        guard denominator > 0 else { return 0 }
        return self.dot(a, b) / denominator
    }

    /// The `k` best (highest-scoring) elements, best first.
    public static func topK<Element>(_ elements: [Element], k: Int, score: (Element) -> Float) -> [(Element, Float)] {
        guard k > 0 else { return [] }
        return Array(elements.map { ($0, score($0)) }.sorted { $0.1 > $1.1 }.prefix(k))
    }
}
