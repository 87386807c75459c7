import ArgumentParser
import Foundation
import MemOSCore
import MemOSServer

/// `memos config PROCESS`: the settings a process would start with, secrets redacted, and whether they are valid.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prints the settings a process would run with (secrets redacted) and checks them.",
        discussion: """
            Each MEMOS_* variable the process reads, with its value or its default; a secret shows only that it is \
            set (a database URL without its password). Exits 1, naming each problem, when a value is not allowed.
            """
    )

    @Argument(help: "The process: ingest, retrieval, scheduler, gateway or client.")
    var process: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        guard let process = Settings.Process(rawValue: self.process) else {
            throw ValidationError("the process is one of ingest, retrieval, scheduler, gateway, client")
        }
        let settings = self.common.settings()
        print(settings.report(for: process))
        for name in settings.unknownVariables {
            print("\(name)  (no process reads this variable; is it misspelt?)")
        }
        do {
            try settings.validate(for: process)
        } catch let error as MemOSError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
