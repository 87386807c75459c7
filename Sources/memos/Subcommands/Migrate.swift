import ArgumentParser

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Applies pending schema migrations and exits.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.migrate")
        let applied = try await ServiceRunner.migrate(try self.common.databaseConfiguration(), logger: logger)
        print(
            applied.isEmpty
                ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))"
        )
    }
}
