import Foundation
import GRPCCore
import MCP
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The resources: `memos://cubes/{cube_id}/memories`, a cube's most recent memories as text, one per cube the
/// caller can read.
///
/// Resources have no error result of their own: a failed call is a JSON-RPC error whose message is
/// `<gRPC code>: <the service's message>` (-32002 for a cube that does not exist, as MCP names a missing resource;
/// -32602 for a URI that names no resource).
extension MemoryTools {
    func listResources() async throws -> ListResources.Result {
        do {
            let cubes = try await self.accounts.listCubes(.init(), metadata: try await self.credentials()).cubes
            return ListResources.Result(
                resources: cubes.map { cube in
                    Resource(
                        name: cube.cubeID,
                        uri: Self.resourceURI(cubeID: cube.cubeID),
                        title: "Recent memories of \(cube.name.isEmpty ? cube.cubeID : cube.name)",
                        description:
                            "The \(Self.resourcePageSize) most recent active memories of cube \(cube.cubeID) "
                            + "(your role: \(MemoryText.name(cube.role))), newest first.",
                        mimeType: "text/plain"
                    )
                }
            )
        } catch {
            throw self.resourceError(error)
        }
    }

    func readResource(_ uri: String) async throws -> ReadResource.Result {
        guard let cubeID = Self.cubeID(resourceURI: uri) else {
            throw MCPError.invalidParams(
                "Unknown resource '\(uri.prefix(256))': resources are memos://cubes/{cube_id}/memories"
            )
        }
        do {
            let response = try await self.retrieval.listMemories(
                .with {
                    $0.cubeID = cubeID
                    $0.pageSize = Int32(Self.resourcePageSize)
                },
                metadata: try await self.credentials()
            )
            var memories = response
            memories.nextPageToken = ""
            return ReadResource.Result(
                contents: [.text(Self.page(memories, cubeID: cubeID), uri: uri, mimeType: "text/plain")]
            )
        } catch {
            throw self.resourceError(error)
        }
    }

    static func resourceURI(cubeID: String) -> String {
        let segment = cubeID.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? cubeID
        return "memos://cubes/\(segment)/memories"
    }

    /// The cube a resource URI names; nil for a URI that is no cube's memories.
    static func cubeID(resourceURI uri: String) -> String? {
        let prefix = "memos://cubes/"
        let suffix = "/memories"
        guard uri.hasPrefix(prefix), uri.hasSuffix(suffix), uri.count > prefix.count + suffix.count else { return nil }
        let segment = uri.dropFirst(prefix.count).dropLast(suffix.count)
        guard !segment.contains("/"), let cubeID = String(segment).removingPercentEncoding, !cubeID.isEmpty,
            !cubeID.utf8.contains(0)
        else { return nil }
        return cubeID
    }

    /// Characters a URI path segment may hold as they are (RFC 3986 `pchar` less percent): every character of a
    /// cube id (letters, digits, `-_.:@`).
    private static let segmentCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"
    )

    /// A failed call of a resource handler as the JSON-RPC error MCP expects.
    func resourceError(_ error: any Error) -> any Error {
        if error is MCPError { return error }
        let message = self.failure(error, tool: "resources")
        let code = (error as? RPCError)?.code ?? (error as? MemOSError).map { RPCError($0).code }
        switch code {
        case .notFound?: return MCPError.serverError(code: -32002, message: message)
        case .invalidArgument?: return MCPError.invalidParams(message)
        default: return MCPError.internalError(message)
        }
    }
}
