import GRPCCore
import MemOSProto

/// A client of the retrieval service that names each call's cube in the metadata `x-memos-cube`, so that a proxy
/// in front of several retrieval replicas (nginx's `hash $http_x_memos_cube consistent`) sends every call about a
/// cube to the same replica, which alone then holds that cube's index.
///
/// A search of several cubes names the smallest cube id: the same set of cubes always goes to the same replica,
/// which loads all of them. The header only routes; the service checks access to every cube itself.
public struct CubeRoutedRetrievalClient: Memos_Retrieval_V1_RetrievalService.ClientProtocol {
    /// The metadata key (an HTTP/2 header) that carries the cube.
    public static let header = "x-memos-cube"

    let base: any Memos_Retrieval_V1_RetrievalService.ClientProtocol

    public typealias Handler<Response: Sendable, Result> = @Sendable (ClientResponse<Response>) async throws -> Result

    public init(wrapping base: any Memos_Retrieval_V1_RetrievalService.ClientProtocol) {
        self.base = base
    }

    static func routed<Message>(_ request: ClientRequest<Message>, cube: String?) -> ClientRequest<Message> {
        guard let cube, !cube.isEmpty else { return request }
        var request = request
        request.metadata.replaceOrAddString(cube, forKey: Self.header)
        return request
    }

    public func search<Result: Sendable>(
        request: ClientRequest<Memos_Retrieval_V1_SearchRequest>,
        serializer: some MessageSerializer<Memos_Retrieval_V1_SearchRequest>,
        deserializer: some MessageDeserializer<Memos_Retrieval_V1_SearchResponse>,
        options: CallOptions,
        onResponse handleResponse: @escaping Handler<Memos_Retrieval_V1_SearchResponse, Result>
    ) async throws -> Result {
        try await self.base.search(
            request: Self.routed(request, cube: request.message.cubeIds.min()),
            serializer: serializer,
            deserializer: deserializer,
            options: options,
            onResponse: handleResponse
        )
    }

    public func getMemories<Result: Sendable>(
        request: ClientRequest<Memos_Retrieval_V1_GetMemoriesRequest>,
        serializer: some MessageSerializer<Memos_Retrieval_V1_GetMemoriesRequest>,
        deserializer: some MessageDeserializer<Memos_Retrieval_V1_GetMemoriesResponse>,
        options: CallOptions,
        onResponse handleResponse: @escaping Handler<Memos_Retrieval_V1_GetMemoriesResponse, Result>
    ) async throws -> Result {
        try await self.base.getMemories(
            request: Self.routed(request, cube: request.message.cubeID),
            serializer: serializer,
            deserializer: deserializer,
            options: options,
            onResponse: handleResponse
        )
    }

    public func listMemories<Result: Sendable>(
        request: ClientRequest<Memos_Retrieval_V1_ListMemoriesRequest>,
        serializer: some MessageSerializer<Memos_Retrieval_V1_ListMemoriesRequest>,
        deserializer: some MessageDeserializer<Memos_Retrieval_V1_ListMemoriesResponse>,
        options: CallOptions,
        onResponse handleResponse: @escaping Handler<Memos_Retrieval_V1_ListMemoriesResponse, Result>
    ) async throws -> Result {
        try await self.base.listMemories(
            request: Self.routed(request, cube: request.message.cubeID),
            serializer: serializer,
            deserializer: deserializer,
            options: options,
            onResponse: handleResponse
        )
    }

    public func countMemories<Result: Sendable>(
        request: ClientRequest<Memos_Retrieval_V1_CountMemoriesRequest>,
        serializer: some MessageSerializer<Memos_Retrieval_V1_CountMemoriesRequest>,
        deserializer: some MessageDeserializer<Memos_Retrieval_V1_CountMemoriesResponse>,
        options: CallOptions,
        onResponse handleResponse: @escaping Handler<Memos_Retrieval_V1_CountMemoriesResponse, Result>
    ) async throws -> Result {
        try await self.base.countMemories(
            request: Self.routed(request, cube: request.message.cubeID),
            serializer: serializer,
            deserializer: deserializer,
            options: options,
            onResponse: handleResponse
        )
    }
}
