import Foundation
import GRPCCore
import MemOSProto
import SwiftProtobuf
import Synchronization

/// The ingest, retrieval and accounts services over ``FakeBackend``: the calls the tools make, answered as the real
/// services answer them; every other call is `unimplemented`.
enum FakeServices {
    static func all(_ backend: FakeBackend) -> [any RegistrableRPCService] {
        [Ingest(backend: backend), Retrieval(backend: backend), Accounts(backend: backend)]
    }

    static func unimplemented() -> RPCError {
        RPCError(code: .unimplemented, message: "not faked")
    }

    struct Ingest: Memos_Ingest_V1_IngestService.SimpleServiceProtocol {
        let backend: FakeBackend

        func addMessages(
            request: Memos_Ingest_V1_AddMessagesRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_AddMessagesResponse {
            let user = try self.backend.authorize(request.cubeID, write: true)
            if request.mode == .fine {
                throw RPCError(code: .failedPrecondition, message: "mode FINE needs an LLM: set MEMOS_LLM_URL")
            }
            let memory = self.backend.store(
                .with {
                    $0.cubeID = request.cubeID
                    $0.authorUserID = user
                    $0.sessionID = request.sessionID
                    $0.content = request.messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
                }
            )
            return .with {
                $0.memories = [memory]
                $0.changeSeq = memory.changeSeq
            }
        }

        func addMemories(
            request: Memos_Ingest_V1_AddMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_AddMemoriesResponse {
            let user = try self.backend.authorize(request.cubeID, write: true)
            for (index, item) in request.items.enumerated() where !(1...16_384).contains(item.content.utf8.count) {
                throw RPCError(
                    code: .invalidArgument,
                    message: "items[\(index)].content must be 1 to 16,384 bytes, not \(item.content.utf8.count)"
                )
            }
            let memories = request.items.map { item in
                self.backend.store(
                    .with {
                        $0.cubeID = request.cubeID
                        $0.authorUserID = user
                        $0.content = item.content
                        $0.tags = item.tags
                        $0.key = item.key
                        $0.memoryType = item.memoryType
                    }
                )
            }
            return .with {
                $0.memories = memories
                $0.memoryIds = memories.map(\.id)
                $0.changeSeq = memories.last?.changeSeq ?? 0
            }
        }

        func updateMemory(
            request: Memos_Ingest_V1_UpdateMemoryRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_UpdateMemoryResponse {
            _ = try self.backend.authorize(request.cubeID, write: true)
            return try self.backend.state.withLock { state in
                state.updates.append(request)
                guard
                    let index = state.memories.firstIndex(where: {
                        $0.id == request.memoryID && $0.cubeID == request.cubeID
                    })
                else {
                    throw RPCError(code: .notFound, message: "memory '\(request.memoryID)' does not exist")
                }
                state.changeSeq += 1
                for path in request.updateMask.paths {
                    switch path {
                    case "content": state.memories[index].content = request.patch.content
                    case "tags": state.memories[index].tags = request.patch.tags
                    case "key": state.memories[index].key = request.patch.key
                    default: throw RPCError(code: .invalidArgument, message: "update_mask: unknown path '\(path)'")
                    }
                }
                state.memories[index].version += 1
                state.memories[index].changeSeq = state.changeSeq
                let memory = state.memories[index]
                return .with {
                    $0.memory = memory
                    $0.changeSeq = memory.changeSeq
                }
            }
        }

        func deleteMemories(
            request: Memos_Ingest_V1_DeleteMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_DeleteMemoriesResponse {
            _ = try self.backend.authorize(request.cubeID, write: true)
            guard case .ids(let ids)? = request.selector, !request.hard else { throw FakeServices.unimplemented() }
            return self.backend.state.withLock { state in
                state.changeSeq += 1
                var deleted: [String] = []
                for index in state.memories.indices
                where ids.ids.contains(state.memories[index].id) && state.memories[index].cubeID == request.cubeID
                    && state.memories[index].status == .activated
                {
                    state.memories[index].status = .deleted
                    deleted.append(state.memories[index].id)
                }
                return .with {
                    $0.deletedCount = Int64(deleted.count)
                    $0.memoryIds = deleted
                    $0.changeSeq = state.changeSeq
                }
            }
        }

        func restoreMemories(
            request: Memos_Ingest_V1_RestoreMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_RestoreMemoriesResponse { throw FakeServices.unimplemented() }

        func archiveMemories(
            request: Memos_Ingest_V1_ArchiveMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_ArchiveMemoriesResponse { throw FakeServices.unimplemented() }

        func getHistory(
            request: Memos_Ingest_V1_GetHistoryRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_GetHistoryResponse { throw FakeServices.unimplemented() }

        func batchGetHistory(
            request: Memos_Ingest_V1_BatchGetHistoryRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_BatchGetHistoryResponse { throw FakeServices.unimplemented() }

        func addDocument(
            request: RPCAsyncSequence<Memos_Ingest_V1_AddDocumentRequest, any Error>,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_AddDocumentResponse { throw FakeServices.unimplemented() }

        func getDocument(
            request: Memos_Ingest_V1_GetDocumentRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_Document { throw FakeServices.unimplemented() }

        func listDocuments(
            request: Memos_Ingest_V1_ListDocumentsRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_ListDocumentsResponse { throw FakeServices.unimplemented() }

        func deleteDocument(
            request: Memos_Ingest_V1_DeleteDocumentRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_DeleteDocumentResponse { throw FakeServices.unimplemented() }

        func restoreDocument(
            request: Memos_Ingest_V1_RestoreDocumentRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_RestoreDocumentResponse { throw FakeServices.unimplemented() }

        func reparseDocument(
            request: Memos_Ingest_V1_ReparseDocumentRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_ReparseDocumentResponse { throw FakeServices.unimplemented() }

        func submitFeedback(
            request: Memos_Ingest_V1_SubmitFeedbackRequest,
            context: ServerContext
        ) async throws -> Memos_Ingest_V1_SubmitFeedbackResponse { throw FakeServices.unimplemented() }
    }

    struct Retrieval: Memos_Retrieval_V1_RetrievalService.SimpleServiceProtocol {
        let backend: FakeBackend

        /// A memory is a hit when it holds a word of the query (of at least 3 letters); score 0.5.
        func search(
            request: Memos_Retrieval_V1_SearchRequest,
            context: ServerContext
        ) async throws -> Memos_Retrieval_V1_SearchResponse {
            for cubeID in request.cubeIds { _ = try self.backend.authorize(cubeID, write: false) }
            if request.query.isEmpty { throw RPCError(code: .invalidArgument, message: "query is required") }
            let words = request.query.lowercased().split(separator: " ").filter { $0.count >= 3 }
            return self.backend.state.withLock { state in
                state.searches.append(request)
                let hits = state.memories.reversed().filter { memory in
                    request.cubeIds.contains(memory.cubeID) && memory.status == .activated
                        && (request.memoryTypes.isEmpty || request.memoryTypes.contains(memory.memoryType))
                        && words.contains { memory.content.lowercased().contains($0) }
                }
                return .with {
                    $0.hits = hits.prefix(Int(request.topK)).map { memory in
                        .with {
                            $0.memory = memory
                            $0.score = 0.5
                        }
                    }
                    $0.changeSeq = state.changeSeq
                }
            }
        }

        func getMemories(
            request: Memos_Retrieval_V1_GetMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Retrieval_V1_GetMemoriesResponse {
            _ = try self.backend.authorize(request.cubeID, write: false)
            let memories = self.backend.memories(in: request.cubeID)
            return .with { response in
                for id in request.memoryIds {
                    if let memory = memories.first(where: { $0.id == id }) {
                        response.memories.append(memory)
                    } else {
                        response.missingIds.append(id)
                    }
                }
            }
        }

        /// Newest first; the page token is the offset.
        func listMemories(
            request: Memos_Retrieval_V1_ListMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Retrieval_V1_ListMemoriesResponse {
            _ = try self.backend.authorize(request.cubeID, write: false)
            let memories = Array(
                self.backend.memories(in: request.cubeID).filter { $0.status == .activated }.reversed()
            )
            guard let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken), offset <= memories.count else {
                throw RPCError(code: .invalidArgument, message: "page_token is not a token of this listing")
            }
            let size = request.pageSize == 0 ? 50 : Int(request.pageSize)
            let end = min(memories.count, offset + size)
            return .with {
                $0.memories = Array(memories[offset..<end])
                $0.nextPageToken = end < memories.count ? String(end) : ""
            }
        }

        func countMemories(
            request: Memos_Retrieval_V1_CountMemoriesRequest,
            context: ServerContext
        ) async throws -> Memos_Retrieval_V1_CountMemoriesResponse { throw FakeServices.unimplemented() }
    }

    struct Accounts: Memos_Accounts_V1_AccountsService.SimpleServiceProtocol {
        let backend: FakeBackend

        func listCubes(
            request: Memos_Accounts_V1_ListCubesRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListCubesResponse {
            let user = try self.backend.caller()
            return self.backend.state.withLock { state in
                .with {
                    $0.cubes = state.cubes.keys.sorted().compactMap { id in
                        guard let role = state.cubes[id]?[user] else { return nil }
                        return .with {
                            $0.cubeID = id
                            $0.role = role
                            $0.ownerName = state.cubes[id]?.first { $0.value == .owner }?.key ?? ""
                        }
                    }
                }
            }
        }

        func whoAmI(
            request: Memos_Accounts_V1_WhoAmIRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_WhoAmIResponse {
            let user = try self.backend.caller()
            return .with {
                $0.user = .with {
                    $0.id = FakeBackend.userIDs[user] ?? ""
                    $0.name = user
                    $0.role = .user
                }
                $0.apiKeyID = FakeBackend.userIDs[user] ?? ""
            }
        }

        func checkAccess(
            request: Memos_Accounts_V1_CheckAccessRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_CheckAccessResponse { throw FakeServices.unimplemented() }

        func createUser(
            request: Memos_Accounts_V1_CreateUserRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_User { throw FakeServices.unimplemented() }

        func listUsers(
            request: Memos_Accounts_V1_ListUsersRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListUsersResponse { throw FakeServices.unimplemented() }

        func setUserDisabled(
            request: Memos_Accounts_V1_SetUserDisabledRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_User { throw FakeServices.unimplemented() }

        func createAPIKey(
            request: Memos_Accounts_V1_CreateAPIKeyRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_CreateAPIKeyResponse { throw FakeServices.unimplemented() }

        func listAPIKeys(
            request: Memos_Accounts_V1_ListAPIKeysRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListAPIKeysResponse { throw FakeServices.unimplemented() }

        func revokeAPIKey(
            request: Memos_Accounts_V1_RevokeAPIKeyRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_APIKey { throw FakeServices.unimplemented() }

        func createCube(
            request: Memos_Accounts_V1_CreateCubeRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_Cube { throw FakeServices.unimplemented() }

        func getCube(
            request: Memos_Accounts_V1_GetCubeRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_Cube { throw FakeServices.unimplemented() }

        func deleteCube(
            request: Memos_Accounts_V1_DeleteCubeRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_DeleteCubeResponse { throw FakeServices.unimplemented() }

        func setCubeTTL(
            request: Memos_Accounts_V1_SetCubeTTLRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_Cube { throw FakeServices.unimplemented() }

        func listMembers(
            request: Memos_Accounts_V1_ListMembersRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListMembersResponse { throw FakeServices.unimplemented() }

        func setMember(
            request: Memos_Accounts_V1_SetMemberRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListMembersResponse { throw FakeServices.unimplemented() }

        func removeMember(
            request: Memos_Accounts_V1_RemoveMemberRequest,
            context: ServerContext
        ) async throws -> Memos_Accounts_V1_ListMembersResponse { throw FakeServices.unimplemented() }
    }
}
