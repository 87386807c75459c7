extension Duration {
    /// Whole milliseconds, rounded down (for SQL intervals, timeouts and reported waits).
    public var wholeMilliseconds: Int64 {
        self.components.seconds * 1_000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}
