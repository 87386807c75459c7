import ArgumentParser
import Foundation
import MemOSCore
import MemOSPostgres

/// Queues the erasure of a user or a cube (the right-to-erasure request); a scheduler runs it.
struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erases a user (their cubes and everything they wrote) or a cube, for good.",
        discussion: """
            Queues a purge job and, with --wait, waits until a scheduler has run it. Rows go in batches of 1,000 per \
            transaction, so the service keeps serving meanwhile. Hard-deleted memories leave only id-only tombstones.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Name of the user to erase.")
    var user: String?
    @Option(help: "Id of the cube to erase.")
    var cube: String?
    @Flag(help: "Wait until the purge has run (a scheduler must be running).")
    var wait = false

    func validate() throws {
        if (self.user == nil) == (self.cube == nil) { throw ValidationError("name exactly one of --user and --cube") }
    }

    func run() async throws {
        let logger = self.common.makeLogger("memos.purge")
        try await ServiceRunner.withTemporaryDatabase(try self.common.databaseConfiguration(), logger: logger) {
            database in
            let queue = PostgresJobStore(database: database)
            let job: NewJob
            if let name = self.user {
                guard let userID = try await PostgresAccountStore(database: database).userID(named: name) else {
                    throw ValidationError("no user is named '\(name)'")
                }
                job = NewJob(
                    cubeID: "user:\(userID.lowercasedString)",
                    kind: JobKind.purge,
                    payload: ["user_id": .string(userID.lowercasedString)]
                )
            } else {
                let cube = self.cube ?? ""
                try Validate.cubeID(cube)
                job = NewJob(cubeID: cube, kind: JobKind.purge, payload: ["cube_id": .string(cube)])
            }
            let queued = try await queue.enqueue(job)
            print("queued purge job \(queued.id.lowercasedString)")
            guard self.wait else { return }
            while true {
                let status = try await queue.job(id: queued.id, cubeID: queued.cubeID)?.status
                if status == .completed || status == .dead || status == .cancelled {
                    print("purge \(status!.rawValue)")
                    return
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
