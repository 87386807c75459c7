import ArgumentParser
import MemOSCore

@main
struct Memos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memos",
        abstract: "MemOS-Swift: the memory layer for LLM applications and agents.",
        version: MemOSVersion.current,
        subcommands: [
            All.self, Ingest.self, Retrieval.self, Scheduler.self, GatewayCommand.self, Migrate.self, Health.self,
            Users.self, Keys.self, Cubes.self, AdminKey.self, Purge.self,
            Add.self, Search.self, Export.self, Import.self, Config.self, MCPCommand.self,
        ]
    )
}
