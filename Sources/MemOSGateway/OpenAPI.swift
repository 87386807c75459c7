import Foundation

/// The OpenAPI 3.1 document of the gateway, served at `GET /openapi.json`: every route, its body, its errors and
/// the limits. This is its only copy; `OpenAPITests` fails when it and the router's routes differ.
enum OpenAPI {
    static let document: [UInt8] = Array(text.utf8)

    private static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "MemOS-Swift HTTP API",
            "version": "1.0.0",
            "description": "The HTTP/JSON gateway of MemOS-Swift. Every /v1 route needs `Authorization: Bearer <api key>`. Memory bodies are the protobuf messages of proto/memos/*/v1 in their JSON form: snake_case names (camelCase accepted), enums by name, RFC 3339 timestamps, 64-bit integers as numbers, default values left out, unknown fields rejected. Every response carries X-Request-Id (the client's, 1 to 128 visible ASCII characters, or a new one); the services log it too. Each API key has a token bucket (default 50 requests a second, burst 100; MEMOS_RATE_LIMIT_RPS, MEMOS_RATE_LIMIT_BURST): over it, 429 with Retry-After. Limits: body 4 MiB; memory content 16,384 bytes; chat message 32,768 bytes; 1,000 messages or 500 items per add; key 256 bytes; 32 tags of 64 bytes; info 16,384 bytes as JSON; ids and idempotency keys 128 bytes; 1,000 ids per get/delete/restore; query 8,192 bytes; 32 cubes per search; top_k 1 to 100; page size 1 to 500."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080"
            }
          ],
          "security": [
            {
              "apiKey": []
            }
          ],
          "tags": [
            {
              "name": "health"
            },
            {
              "name": "memories"
            },
            {
              "name": "jobs"
            },
            {
              "name": "users"
            },
            {
              "name": "keys"
            },
            {
              "name": "cubes"
            },
            {
              "name": "memos-compatible"
            }
          ],
          "paths": {
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "The job queue and the gateway's requests in Prometheus text format: memos_jobs{kind,status} (dead: failed on every attempt; failed: awaiting a retry) and memos_job_latency_seconds{kind,quantile} over jobs finished in the last 15 minutes; memos_http_requests_total{method,route,status} and the histogram memos_http_request_duration_seconds{method,route} (time to the response's head) since the gateway started, by route pattern (unmatched for no route). No cube is named, so no key is needed.",
                "tags": [
                  "health"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "security": []
              }
            },
            "/healthz": {
              "get": {
                "operationId": "health",
                "summary": "The process is up, and the release it runs.",
                "tags": [
                  "health"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "type": "string"
                            },
                            "version": {
                              "type": "string"
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "security": [],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/readyz": {
              "get": {
                "operationId": "ready",
                "summary": "PostgreSQL and the three services answer.",
                "tags": [
                  "health"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "type": "string"
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "503": {
                    "description": "Not ready; failing names what is down.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "type": "string"
                            },
                            "failing": {
                              "type": "string",
                              "description": "Comma-separated: database, ingest, retrieval, scheduler."
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "security": [],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "summary": "This document.",
                "tags": [
                  "health"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "security": [],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/memories": {
              "post": {
                "operationId": "addMemories",
                "summary": "Add memories (writer or owner).",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AddMemoriesRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AddMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/messages": {
              "post": {
                "operationId": "addMessages",
                "summary": "Add a conversation; the fast reader makes one memory per window of turns.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AddMessagesRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AddMessagesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "412": {
                    "$ref": "#/components/responses/E412"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "501": {
                    "$ref": "#/components/responses/E501"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/memories/delete": {
              "post": {
                "operationId": "deleteMemories",
                "summary": "Delete memories by ids, filter, session or whole cube; soft unless hard.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/DeleteMemoriesRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DeleteMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/memories/update": {
              "post": {
                "operationId": "updateMemory",
                "summary": "Change fields of one memory; the prior state goes to its history.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/UpdateMemoryRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/UpdateMemoryResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/memories/archive": {
              "post": {
                "operationId": "archiveMemories",
                "summary": "Retire active memories by hand: status ARCHIVED, history kept (action archive, with the reason), restorable. Memories that are not active are left as they are.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ArchiveMemoriesRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ArchiveMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/memories/restore": {
              "post": {
                "operationId": "restoreMemories",
                "summary": "Set deleted or archived memories back to activated.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RestoreMemoriesRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RestoreMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/search": {
              "post": {
                "operationId": "search",
                "summary": "Hybrid search over cubes the caller may read.",
                "tags": [
                  "memories"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SearchRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SearchResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/cubes/{cube_id}/memories": {
              "get": {
                "operationId": "listMemories",
                "summary": "A page of a cube's memories, newest first.",
                "tags": [
                  "memories"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/Statuses"
                  },
                  {
                    "$ref": "#/components/parameters/PageSize"
                  },
                  {
                    "$ref": "#/components/parameters/PageToken"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ListMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/memories/count": {
              "get": {
                "operationId": "countMemories",
                "summary": "How many memories a cube has, per type.",
                "tags": [
                  "memories"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/Statuses"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CountMemoriesResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/export": {
              "get": {
                "operationId": "exportCube",
                "summary": "Every memory of a cube, whatever its status, with its sources, embedding and whole history, as JSON Lines (newest memory first), streamed. Each line is an ExportedMemory; the last line is {\"end\":{\"memories\":N}} and is missing when the export was cut short (the status is sent before the first line). `memos export` writes it to a file and `memos import` reads it back (docs/export-import.md). Rate-limited as one request.",
                "tags": [
                  "memories"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/x-ndjson": {
                        "schema": {
                          "$ref": "#/components/schemas/ExportedMemory"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/memories/{memory_id}": {
              "get": {
                "operationId": "getMemory",
                "summary": "One memory.",
                "tags": [
                  "memories"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "memory_id",
                    "in": "path",
                    "required": true,
                    "description": "The memory.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Memory"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/memories/{memory_id}/history": {
              "get": {
                "operationId": "getHistory",
                "summary": "A memory's history, newest first.",
                "tags": [
                  "memories"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "memory_id",
                    "in": "path",
                    "required": true,
                    "description": "The memory.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/HistoryPageSize"
                  },
                  {
                    "$ref": "#/components/parameters/PageToken"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/GetHistoryResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/jobs": {
              "get": {
                "operationId": "listJobs",
                "summary": "A page of a cube's jobs, newest first.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/PageSize"
                  },
                  {
                    "$ref": "#/components/parameters/PageToken"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ListJobsResponse"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/jobs/{job_id}": {
              "get": {
                "operationId": "getJob",
                "summary": "One job.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "job_id",
                    "in": "path",
                    "required": true,
                    "description": "The job.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Job"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/jobs/{job_id}/cancel": {
              "post": {
                "operationId": "cancelJob",
                "summary": "Cancel a waiting, retrying or running job (writer or owner); a finished job is returned as it is.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "job_id",
                    "in": "path",
                    "required": true,
                    "description": "The job.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Job"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/jobs/wait": {
              "post": {
                "operationId": "waitForJobs",
                "summary": "Wait until the cube has no waiting, retrying or running job, or the timeout passes.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "timeout_ms",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 300000,
                      "description": "Default 30,000, at most 300,000."
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "idle": {
                              "type": "boolean",
                              "description": "True when no job was pending."
                            },
                            "pending": {
                              "type": "integer",
                              "description": "Jobs still pending."
                            },
                            "waited_ms": {
                              "type": "integer"
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/events": {
              "post": {
                "operationId": "submitEvent",
                "summary": "Record an event (MemOS's labels): QUERY queues a refresh of the session's working memory; ANSWER and ADD are recorded as completed jobs. Needs write access.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": ["cube_id", "label"],
                        "properties": {
                          "cube_id": {
                            "type": "string"
                          },
                          "label": {
                            "type": "string",
                            "enum": ["QUERY", "ANSWER", "ADD"]
                          },
                          "session_id": {
                            "type": "string",
                            "maxLength": 128
                          },
                          "content": {
                            "type": "string",
                            "description": "The query or answer text; at most 32,768 bytes; required for QUERY."
                          },
                          "memory_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "format": "uuid"
                            },
                            "maxItems": 1000
                          },
                          "at": {
                            "type": "string",
                            "format": "date-time"
                          },
                          "idempotency_key": {
                            "type": "string",
                            "maxLength": 128,
                            "description": "A retried event with the same key returns the first job."
                          }
                        },
                        "additionalProperties": false
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "job": {
                              "$ref": "#/components/schemas/Job"
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/jobs/status": {
              "get": {
                "operationId": "jobStatus",
                "summary": "Jobs counted by status, for one cube or every cube the caller may read.",
                "tags": [
                  "jobs"
                ],
                "parameters": [
                  {
                    "name": "cube_id",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 128,
                      "pattern": "^[A-Za-z0-9_.:@-]+$",
                      "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StatusSummary"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/users": {
              "post": {
                "operationId": "createUser",
                "summary": "Create a user (admin).",
                "tags": [
                  "users"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewUser"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              },
              "get": {
                "operationId": "listUsers",
                "summary": "Every user, by name (admin).",
                "tags": [
                  "users"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "users": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/User"
                              }
                            }
                          },
                          "required": [
                            "users"
                          ],
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/users/{user_id}/disable": {
              "post": {
                "operationId": "disableUser",
                "summary": "Disable a user: their keys are refused at once by this gateway, within 5 s by the services (admin; not oneself).",
                "tags": [
                  "users"
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "description": "The user.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "412": {
                    "$ref": "#/components/responses/E412"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/users/{user_id}/enable": {
              "post": {
                "operationId": "enableUser",
                "summary": "Enable a disabled user (admin; not oneself).",
                "tags": [
                  "users"
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "description": "The user.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "412": {
                    "$ref": "#/components/responses/E412"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/keys": {
              "post": {
                "operationId": "createKey",
                "summary": "Make an API key, shown once in the response; for another user, admin only.",
                "tags": [
                  "keys"
                ],
                "description": "The body may be empty: a key for the caller with no name.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewAPIKeyRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/NewAPIKey"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              },
              "get": {
                "operationId": "listKeys",
                "summary": "Keys of the caller (or, for an admin, of user_id), newest first, revoked ones included; never the keys themselves.",
                "tags": [
                  "keys"
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "keys": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/APIKey"
                              }
                            }
                          },
                          "required": [
                            "keys"
                          ],
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/keys/{key_id}/revoke": {
              "post": {
                "operationId": "revokeKey",
                "summary": "Revoke a key: refused at once by this gateway, within 5 s by the services. Another user's key is 404 unless the caller is an admin.",
                "tags": [
                  "keys"
                ],
                "parameters": [
                  {
                    "name": "key_id",
                    "in": "path",
                    "required": true,
                    "description": "The key's id.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKey"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes": {
              "post": {
                "operationId": "createCube",
                "summary": "Create a cube owned by the caller.",
                "tags": [
                  "cubes"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewCube"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Cube"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "409": {
                    "$ref": "#/components/responses/E409"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              },
              "get": {
                "operationId": "listCubes",
                "summary": "The cubes the caller is a member of, with the caller's role.",
                "tags": [
                  "cubes"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "cubes": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Cube"
                              }
                            }
                          },
                          "required": [
                            "cubes"
                          ],
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/v1/cubes/{cube_id}": {
              "get": {
                "operationId": "getCube",
                "summary": "One cube (any member).",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Cube"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              },
              "delete": {
                "operationId": "deleteCube",
                "summary": "Delete a cube (owner only): no route or RPC reaches it or its memories any more; the scheduler then erases them for good (a purge job), after which the id is free again.",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted.",
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/ttl": {
              "put": {
                "operationId": "setCubeTTL",
                "summary": "Set the age past which the cube's memories are archived (owner only); 0 keeps them.",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "memory_ttl_seconds": {
                            "type": "integer",
                            "description": "0 (keep memories), or 60 to 3,153,600,000 (100 years)."
                          }
                        },
                        "additionalProperties": false
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The cube.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Cube"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/members": {
              "get": {
                "operationId": "listMembers",
                "summary": "The cube's members (any member).",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Members"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/v1/cubes/{cube_id}/members/{user_name}": {
              "put": {
                "operationId": "shareCube",
                "summary": "Share the cube with a user as reader or writer, or change their role (owner only).",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "user_name",
                    "in": "path",
                    "required": true,
                    "description": "The user to share with.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Share"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Members"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "412": {
                    "$ref": "#/components/responses/E412"
                  },
                  "413": {
                    "$ref": "#/components/responses/E413"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              },
              "delete": {
                "operationId": "unshareCube",
                "summary": "Remove a user from the cube (owner only).",
                "tags": [
                  "cubes"
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CubeID"
                  },
                  {
                    "name": "user_name",
                    "in": "path",
                    "required": true,
                    "description": "The member to remove.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Members"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/E400"
                  },
                  "401": {
                    "$ref": "#/components/responses/E401"
                  },
                  "403": {
                    "$ref": "#/components/responses/E403"
                  },
                  "404": {
                    "$ref": "#/components/responses/E404"
                  },
                  "412": {
                    "$ref": "#/components/responses/E412"
                  },
                  "429": {
                    "$ref": "#/components/responses/E429"
                  },
                  "503": {
                    "$ref": "#/components/responses/E503"
                  }
                }
              }
            },
            "/health": {
              "get": {
                "operationId": "memosHealth",
                "summary": "MemOS's health check.",
                "tags": [
                  "memos-compatible"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "type": "string"
                            },
                            "service": {
                              "type": "string"
                            },
                            "version": {
                              "type": "string"
                            }
                          },
                          "additionalProperties": false
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "security": [],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/add": {
              "post": {
                "operationId": "memosAdd",
                "summary": "Add messages (or memory_content) to each writable cube; synchronous.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "user_id": {
                            "type": "string",
                            "description": "user_id is ignored: the API key names the user."
                          },
                          "writable_cube_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "minLength": 1,
                              "maxLength": 128,
                              "pattern": "^[A-Za-z0-9_.:@-]+$",
                              "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                            },
                            "description": "Default [mem_cube_id] or [user_id]."
                          },
                          "mem_cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "session_id": {
                            "type": "string",
                            "description": "Default default_session."
                          },
                          "messages": {
                            "type": "array",
                            "items": {
                              "oneOf": [
                                {
                                  "type": "string",
                                  "description": "A user turn."
                                },
                                {
                                  "type": "object",
                                  "properties": {
                                    "role": {
                                      "type": "string"
                                    },
                                    "content": {
                                      "oneOf": [
                                        {
                                          "type": "string"
                                        },
                                        {
                                          "type": "array",
                                          "items": {
                                            "type": "object"
                                          },
                                          "description": "Parts; the text parts are kept."
                                        }
                                      ]
                                    },
                                    "chat_time": {
                                      "type": "string",
                                      "format": "date-time"
                                    },
                                    "message_id": {
                                      "type": "string"
                                    }
                                  }
                                }
                              ]
                            }
                          },
                          "memory_content": {
                            "type": "string"
                          },
                          "custom_tags": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "maxLength": 64,
                              "minLength": 1
                            },
                            "maxItems": 32,
                            "description": "At most 32 tags of 1 to 64 bytes."
                          },
                          "info": {
                            "type": "object",
                            "description": "The caller's own fields; at most 16,384 bytes as JSON.",
                            "additionalProperties": true
                          },
                          "mode": {
                            "type": "string",
                            "enum": [
                              "fast",
                              "fine"
                            ]
                          },
                          "async_mode": {
                            "type": "string",
                            "description": "Ignored: adds are synchronous."
                          },
                          "is_feedback": {
                            "type": "boolean",
                            "description": "true is 501."
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "array",
                                  "items": {
                                    "type": "object",
                                    "properties": {
                                      "memory": {
                                        "type": "string"
                                      },
                                      "memory_id": {
                                        "type": "string",
                                        "format": "uuid"
                                      },
                                      "memory_type": {
                                        "type": "string"
                                      },
                                      "cube_id": {
                                        "type": "string"
                                      }
                                    },
                                    "additionalProperties": false
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/search": {
              "post": {
                "operationId": "memosSearch",
                "summary": "Search the readable cubes.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "query": {
                            "type": "string",
                            "maxLength": 8192
                          },
                          "user_id": {
                            "type": "string",
                            "description": "user_id is ignored: the API key names the user."
                          },
                          "readable_cube_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "minLength": 1,
                              "maxLength": 128,
                              "pattern": "^[A-Za-z0-9_.:@-]+$",
                              "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                            },
                            "description": "Default [mem_cube_id] or [user_id]."
                          },
                          "mem_cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "session_id": {
                            "type": "string"
                          },
                          "top_k": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 100
                          },
                          "relativity": {
                            "type": "number",
                            "minimum": 0,
                            "maximum": 1
                          },
                          "dedup": {
                            "type": "string",
                            "enum": [
                              "no",
                              "sim",
                              "mmr"
                            ]
                          },
                          "search_memory_type": {
                            "type": "string"
                          },
                          "filter": {
                            "type": "object",
                            "description": "MemOS's filter: {and|or: [...]} of {field: value} or {field: {op: value}}."
                          },
                          "mode": {
                            "type": "string",
                            "description": "Ignored: fast search."
                          }
                        },
                        "required": [
                          "query"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "text_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "pref_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "tool_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "skill_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "act_mem": {
                                      "type": "array",
                                      "items": {}
                                    },
                                    "para_mem": {
                                      "type": "array",
                                      "items": {}
                                    },
                                    "pref_note": {
                                      "type": "string"
                                    }
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/get_memory": {
              "post": {
                "operationId": "memosGetMemory",
                "summary": "A cube's memories by bucket; page and page_size page through them (page_size at most 500; without page, the newest 500).",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "mem_cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "user_id": {
                            "type": "string",
                            "description": "user_id is ignored: the API key names the user."
                          },
                          "page": {
                            "type": "integer",
                            "minimum": 1
                          },
                          "page_size": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 500
                          }
                        },
                        "required": [
                          "mem_cube_id"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "text_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "pref_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "tool_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "skill_mem": {
                                      "type": "array",
                                      "items": {
                                        "type": "object",
                                        "properties": {
                                          "cube_id": {
                                            "type": "string"
                                          },
                                          "memories": {
                                            "type": "array",
                                            "items": {
                                              "$ref": "#/components/schemas/MemOSItem"
                                            }
                                          },
                                          "total_nodes": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/get_all": {
              "post": {
                "operationId": "memosGetAll",
                "summary": "The newest 200 memories (or the best 100 for search_query) of each cube, flat rather than as MemOS's tree.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "user_id": {
                            "type": "string",
                            "description": "user_id is ignored: the API key names the user."
                          },
                          "memory_type": {
                            "type": "string",
                            "enum": [
                              "text_mem",
                              "act_mem",
                              "param_mem",
                              "para_mem"
                            ]
                          },
                          "mem_cube_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "minLength": 1,
                              "maxLength": 128,
                              "pattern": "^[A-Za-z0-9_.:@-]+$",
                              "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                            },
                            "description": "Default: every cube of the caller."
                          },
                          "search_query": {
                            "type": "string"
                          }
                        },
                        "required": [
                          "memory_type"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "array",
                                  "items": {
                                    "type": "object",
                                    "properties": {
                                      "cube_id": {
                                        "type": "string"
                                      },
                                      "memories": {
                                        "type": "array",
                                        "items": {
                                          "$ref": "#/components/schemas/MemOSItem"
                                        }
                                      },
                                      "memory_statistics": {
                                        "type": "object",
                                        "properties": {
                                          "total": {
                                            "type": "integer"
                                          }
                                        },
                                        "additionalProperties": false
                                      }
                                    },
                                    "additionalProperties": false
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/get_memory/{memory_id}": {
              "get": {
                "operationId": "memosGetMemoryByID",
                "summary": "One memory from any cube the caller may read.",
                "tags": [
                  "memos-compatible"
                ],
                "parameters": [
                  {
                    "name": "memory_id",
                    "in": "path",
                    "required": true,
                    "description": "The memory.",
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "$ref": "#/components/schemas/MemOSItem"
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                }
              }
            },
            "/product/get_memory_by_ids": {
              "post": {
                "operationId": "memosGetMemoryByIDs",
                "summary": "Memories by id from any cube the caller may read.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "oneOf": [
                          {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "format": "uuid"
                            },
                            "minItems": 1,
                            "maxItems": 1000
                          },
                          {
                            "type": "object",
                            "properties": {
                              "memory_ids": {
                                "type": "array",
                                "items": {
                                  "type": "string",
                                  "format": "uuid"
                                },
                                "minItems": 1,
                                "maxItems": 1000
                              }
                            },
                            "required": [
                              "memory_ids"
                            ],
                            "additionalProperties": false
                          }
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "memories": {
                                      "type": "array",
                                      "items": {
                                        "$ref": "#/components/schemas/MemOSItem"
                                      }
                                    }
                                  },
                                  "additionalProperties": false
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/delete_memory": {
              "post": {
                "operationId": "memosDeleteMemory",
                "summary": "Soft-delete memories by ids (in the writable cubes, default every cube the caller may write), or by filter or session in writable_cube_ids.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "writable_cube_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "minLength": 1,
                              "maxLength": 128,
                              "pattern": "^[A-Za-z0-9_.:@-]+$",
                              "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                            }
                          },
                          "mem_cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "memory_ids": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "format": "uuid"
                            },
                            "maxItems": 1000
                          },
                          "filter": {
                            "type": "object",
                            "description": "MemOS's filter: {and|or: [...]} of {field: value} or {field: {op: value}}."
                          },
                          "session_id": {
                            "type": "string"
                          },
                          "file_ids": {
                            "type": "array",
                            "items": {
                              "type": "string"
                            },
                            "description": "Not supported (501)."
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "status": {
                                      "type": "string"
                                    },
                                    "deleted_count": {
                                      "type": "integer"
                                    }
                                  },
                                  "additionalProperties": false
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/create_cube": {
              "post": {
                "operationId": "memosCreateCube",
                "summary": "Create a cube owned by the caller.",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "cube_name": {
                            "type": "string",
                            "maxLength": 256
                          },
                          "owner_id": {
                            "type": "string",
                            "description": "Ignored: the caller owns the cube."
                          },
                          "cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "cube_path": {
                            "type": "string",
                            "description": "Ignored."
                          }
                        },
                        "required": [
                          "cube_name"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "cube_id": {
                                      "type": "string"
                                    },
                                    "cube_name": {
                                      "type": "string"
                                    },
                                    "owner_id": {
                                      "type": "string",
                                      "description": "The caller's user name."
                                    }
                                  },
                                  "additionalProperties": false
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/exist_mem_cube_id": {
              "post": {
                "operationId": "memosCubeExists",
                "summary": "Whether the cube exists for the caller (is one the caller is a member of).",
                "tags": [
                  "memos-compatible"
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "mem_cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          }
                        },
                        "required": [
                          "mem_cube_id"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "additionalProperties": {
                                    "type": "boolean"
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/scheduler/allstatus": {
              "get": {
                "operationId": "memosSchedulerAllStatus",
                "summary": "Jobs of the caller's cubes counted by status.",
                "tags": [
                  "memos-compatible"
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "scheduler_summary": {
                                      "type": "object",
                                      "properties": {
                                        "waiting": {
                                          "type": "integer"
                                        },
                                        "in_progress": {
                                          "type": "integer"
                                        },
                                        "pending": {
                                          "type": "integer"
                                        },
                                        "completed": {
                                          "type": "integer"
                                        },
                                        "failed": {
                                          "type": "integer"
                                        },
                                        "cancelled": {
                                          "type": "integer"
                                        },
                                        "total": {
                                          "type": "integer"
                                        }
                                      },
                                      "additionalProperties": false
                                    },
                                    "all_tasks_summary": {
                                      "type": "object",
                                      "properties": {
                                        "waiting": {
                                          "type": "integer"
                                        },
                                        "in_progress": {
                                          "type": "integer"
                                        },
                                        "pending": {
                                          "type": "integer"
                                        },
                                        "completed": {
                                          "type": "integer"
                                        },
                                        "failed": {
                                          "type": "integer"
                                        },
                                        "cancelled": {
                                          "type": "integer"
                                        },
                                        "total": {
                                          "type": "integer"
                                        }
                                      },
                                      "additionalProperties": false
                                    }
                                  },
                                  "additionalProperties": false
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ]
              }
            },
            "/product/scheduler/status": {
              "get": {
                "operationId": "memosSchedulerStatus",
                "summary": "The newest jobs of each of the caller's cubes, or the one task_id.",
                "tags": [
                  "memos-compatible"
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "query",
                    "required": false,
                    "description": "user_id is ignored: the API key names the user.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "task_id",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "array",
                                  "items": {
                                    "type": "object",
                                    "properties": {
                                      "task_id": {
                                        "type": "string",
                                        "format": "uuid"
                                      },
                                      "status": {
                                        "type": "string",
                                        "enum": [
                                          "waiting",
                                          "in_progress",
                                          "completed",
                                          "failed",
                                          "cancelled"
                                        ]
                                      }
                                    },
                                    "additionalProperties": false
                                  }
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                }
              }
            },
            "/product/scheduler/wait": {
              "post": {
                "operationId": "memosSchedulerWait",
                "summary": "Wait until the caller's cubes have no pending job; message idle or timeout.",
                "tags": [
                  "memos-compatible"
                ],
                "parameters": [
                  {
                    "name": "timeout_seconds",
                    "in": "query",
                    "required": false,
                    "description": "Default 120, at most 300.",
                    "schema": {
                      "type": "number",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "user_name",
                    "in": "query",
                    "required": false,
                    "description": "Ignored.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/RequestID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "allOf": [
                            {
                              "$ref": "#/components/schemas/MemOSEnvelope"
                            },
                            {
                              "type": "object",
                              "properties": {
                                "data": {
                                  "type": "object",
                                  "properties": {
                                    "running_tasks": {
                                      "type": "integer"
                                    },
                                    "waited_seconds": {
                                      "type": "number"
                                    },
                                    "timed_out": {
                                      "type": "boolean"
                                    },
                                    "user_name": {
                                      "type": "string"
                                    }
                                  },
                                  "additionalProperties": false
                                }
                              }
                            }
                          ]
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  },
                  "default": {
                    "description": "An error: its HTTP status (400, 401, 403, 404, 409, 413, 429 with Retry-After, 501, 503) and the envelope with code = the status, the message and data null.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemOSEnvelope"
                        }
                      }
                    },
                    "headers": {
                      "X-Request-Id": {
                        "$ref": "#/components/headers/RequestID"
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (mk_…) made by POST /v1/keys, `memos all` or MEMOS_ADMIN_KEY."
              }
            },
            "parameters": {
              "CubeID": {
                "name": "cube_id",
                "in": "path",
                "required": true,
                "description": "The cube.",
                "schema": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 128,
                  "pattern": "^[A-Za-z0-9_.:@-]+$",
                  "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                }
              },
              "Statuses": {
                "name": "statuses",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string",
                  "description": "Which statuses, comma-separated: ACTIVATED, ARCHIVED, DELETED (any case). Default ACTIVATED."
                }
              },
              "PageSize": {
                "name": "page_size",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 500,
                  "description": "1 to 500; default 50; 0 means the default. A page ends early rather than pass 4,128,768 bytes."
                }
              },
              "HistoryPageSize": {
                "name": "page_size",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 200,
                  "description": "1 to 200; default 50; 0 means the default. A page ends early rather than pass 4,128,768 bytes."
                }
              },
              "PageToken": {
                "name": "page_token",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string",
                  "description": "From a previous response's next_page_token."
                }
              },
              "RequestID": {
                "name": "X-Request-Id",
                "in": "header",
                "required": false,
                "description": "Names the request in every log line of the gateway and the services; made when absent or not 1 to 128 visible ASCII characters.",
                "schema": {
                  "type": "string",
                  "maxLength": 128
                }
              }
            },
            "headers": {
              "RequestID": {
                "description": "The request's id.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "responses": {
              "E400": {
                "description": "Bad input: the message names the field and the limit.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E401": {
                "description": "No API key, or an unknown or revoked key, or a disabled user.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E403": {
                "description": "Not a member of the cube, a reader writing, not the owner, or not an admin.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E404": {
                "description": "The cube, memory, job, user or key does not exist.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E409": {
                "description": "Already exists, or an idempotency key reused with another body, or a version conflict.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E412": {
                "description": "Failed precondition.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E413": {
                "description": "The body is larger than 4 MiB.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E429": {
                "description": "The API key's rate limit is exhausted; retry after Retry-After seconds.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  },
                  "Retry-After": {
                    "description": "Whole seconds until a request will be accepted.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E501": {
                "description": "Not implemented yet.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "E503": {
                "description": "A service or the database is unavailable.",
                "headers": {
                  "X-Request-Id": {
                    "$ref": "#/components/headers/RequestID"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "properties": {
                  "error": {
                    "type": "object",
                    "properties": {
                      "code": {
                        "type": "string",
                        "description": "invalid_argument, unauthenticated, permission_denied, not_found, already_exists, failed_precondition, aborted, payload_too_large, rate_limited, unimplemented, unavailable, internal, bad_request"
                      },
                      "message": {
                        "type": "string",
                        "description": "Safe to show; names the field and the limit for bad input."
                      },
                      "status": {
                        "type": "integer",
                        "description": "The HTTP status."
                      }
                    },
                    "required": [
                      "code",
                      "message",
                      "status"
                    ],
                    "additionalProperties": false
                  }
                },
                "required": [
                  "error"
                ],
                "additionalProperties": false
              },
              "MemoryType": {
                "type": "string",
                "enum": [
                  "WORKING_MEMORY",
                  "LONG_TERM_MEMORY",
                  "USER_MEMORY",
                  "PREFERENCE_MEMORY",
                  "OUTER_MEMORY",
                  "TOOL_SCHEMA_MEMORY",
                  "TOOL_TRAJECTORY_MEMORY",
                  "RAW_FILE_MEMORY",
                  "SKILL_MEMORY"
                ],
                "description": "MemOS's memory types."
              },
              "MemoryStatus": {
                "type": "string",
                "enum": [
                  "ACTIVATED",
                  "ARCHIVED",
                  "DELETED"
                ]
              },
              "ChatMessage": {
                "type": "object",
                "properties": {
                  "role": {
                    "type": "string",
                    "enum": [
                      "user",
                      "assistant",
                      "system",
                      "tool"
                    ],
                    "description": "user, assistant, system or tool"
                  },
                  "content": {
                    "type": "string",
                    "minLength": 1,
                    "description": "1 to 32,768 bytes."
                  },
                  "chat_time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "message_id": {
                    "type": "string",
                    "maxLength": 128,
                    "description": "At most 128 bytes."
                  },
                  "name": {
                    "type": "string"
                  }
                },
                "required": [
                  "role",
                  "content"
                ],
                "additionalProperties": false
              },
              "Source": {
                "type": "object",
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string"
                  },
                  "message_id": {
                    "type": "string"
                  },
                  "session_id": {
                    "type": "string"
                  },
                  "chat_time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "content": {
                    "type": "string"
                  },
                  "doc_path": {
                    "type": "string"
                  },
                  "chunk_index": {
                    "type": "integer"
                  },
                  "memory_id": {
                    "type": "string"
                  }
                },
                "description": "Where a memory came from; at most 64 per memory.",
                "additionalProperties": false
              },
              "Memory": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "cube_id": {
                    "type": "string"
                  },
                  "author_user_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "session_id": {
                    "type": "string"
                  },
                  "memory_type": {
                    "$ref": "#/components/schemas/MemoryType"
                  },
                  "status": {
                    "$ref": "#/components/schemas/MemoryStatus"
                  },
                  "key": {
                    "type": "string"
                  },
                  "content": {
                    "type": "string"
                  },
                  "tags": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "info": {
                    "type": "object",
                    "description": "The caller's own fields; at most 16,384 bytes as JSON.",
                    "additionalProperties": true
                  },
                  "sources": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Source"
                    }
                  },
                  "confidence": {
                    "type": "number"
                  },
                  "embedding_model": {
                    "type": "string"
                  },
                  "embedding": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "description": "Only when include_embeddings is set."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "valid_from": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "valid_to": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "version": {
                    "type": "integer"
                  },
                  "usage_count": {
                    "type": "integer"
                  },
                  "change_seq": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "FilterCondition": {
                "type": "object",
                "properties": {
                  "field": {
                    "type": "string",
                    "description": "id, key, content, tags, session_id, memory_type, status, author_user_id, created_at, updated_at, valid_from, valid_to, or info.<name>"
                  },
                  "op": {
                    "type": "string",
                    "enum": [
                      "EQ",
                      "NE",
                      "GT",
                      "GTE",
                      "LT",
                      "LTE",
                      "IN",
                      "CONTAINS",
                      "LIKE"
                    ]
                  },
                  "value": {
                    "description": "A string, number, bool, null or (for IN) list."
                  }
                },
                "required": [
                  "field",
                  "op"
                ],
                "additionalProperties": false
              },
              "Filter": {
                "type": "object",
                "description": "One of condition, and, or, not. At most 64 conditions and 8 levels.",
                "properties": {
                  "condition": {
                    "$ref": "#/components/schemas/FilterCondition"
                  },
                  "and": {
                    "type": "object",
                    "properties": {
                      "filters": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/Filter"
                        },
                        "minItems": 1
                      }
                    },
                    "additionalProperties": false
                  },
                  "or": {
                    "type": "object",
                    "properties": {
                      "filters": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/Filter"
                        },
                        "minItems": 1
                      }
                    },
                    "additionalProperties": false
                  },
                  "not": {
                    "$ref": "#/components/schemas/Filter"
                  }
                },
                "additionalProperties": false,
                "minProperties": 1,
                "maxProperties": 1
              },
              "MemoryInput": {
                "type": "object",
                "properties": {
                  "content": {
                    "type": "string",
                    "minLength": 1,
                    "description": "1 to 16,384 bytes."
                  },
                  "memory_type": {
                    "$ref": "#/components/schemas/MemoryType"
                  },
                  "key": {
                    "type": "string",
                    "maxLength": 256,
                    "description": "At most 256 bytes."
                  },
                  "tags": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "maxLength": 64,
                      "minLength": 1
                    },
                    "maxItems": 32,
                    "description": "At most 32 tags of 1 to 64 bytes."
                  },
                  "info": {
                    "type": "object",
                    "description": "The caller's own fields; at most 16,384 bytes as JSON.",
                    "additionalProperties": true
                  },
                  "valid_from": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "valid_to": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "embedding": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "description": "A precomputed vector of the configured model."
                  },
                  "embedding_model": {
                    "type": "string"
                  },
                  "confidence": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1
                  },
                  "sources": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Source"
                    },
                    "maxItems": 64
                  }
                },
                "required": [
                  "content"
                ],
                "additionalProperties": false
              },
              "AddMemoriesRequest": {
                "oneOf": [
                  {
                    "type": "object",
                    "properties": {
                      "cube_id": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 128,
                        "pattern": "^[A-Za-z0-9_.:@-]+$",
                        "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                      },
                      "session_id": {
                        "type": "string",
                        "maxLength": 128
                      },
                      "items": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/MemoryInput"
                        },
                        "minItems": 1,
                        "maxItems": 500
                      },
                      "idempotency_key": {
                        "type": "string",
                        "maxLength": 128,
                        "description": "Optional; at most 128 bytes. A retry with the same key returns the first response."
                      },
                      "ids_only": {
                        "type": "boolean",
                        "description": "When true, the response lists the stored memories' ids (memory_ids) but not the memories: for imports."
                      }
                    },
                    "required": [
                      "cube_id",
                      "items"
                    ],
                    "additionalProperties": false
                  },
                  {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/MemoryInput"
                      },
                      {
                        "type": "object",
                        "properties": {
                          "cube_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 128,
                            "pattern": "^[A-Za-z0-9_.:@-]+$",
                            "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                          },
                          "session_id": {
                            "type": "string",
                            "maxLength": 128
                          },
                          "idempotency_key": {
                            "type": "string",
                            "maxLength": 128,
                            "description": "Optional; at most 128 bytes. A retry with the same key returns the first response."
                          }
                        },
                        "required": [
                          "cube_id",
                          "content"
                        ]
                      }
                    ],
                    "description": "Shorthand for one memory: the MemoryInput fields next to cube_id."
                  }
                ]
              },
              "AddMemoriesResponse": {
                "type": "object",
                "properties": {
                  "memories": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Memory"
                    },
                    "description": "The stored memories, in request order; left out when the request set ids_only."
                  },
                  "change_seq": {
                    "type": "integer"
                  },
                  "memory_ids": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "The stored memories' ids, in request order (for an exact duplicate of a live memory, that memory's id)."
                  }
                },
                "additionalProperties": false
              },
              "AddMessagesRequest": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "session_id": {
                    "type": "string",
                    "maxLength": 128
                  },
                  "messages": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/ChatMessage"
                    },
                    "minItems": 1,
                    "maxItems": 1000
                  },
                  "mode": {
                    "type": "string",
                    "enum": [
                      "FAST",
                      "FINE"
                    ]
                  },
                  "async": {
                    "type": "boolean",
                    "description": "Not implemented yet (501)."
                  },
                  "custom_tags": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "maxLength": 64,
                      "minLength": 1
                    },
                    "maxItems": 32,
                    "description": "At most 32 tags of 1 to 64 bytes."
                  },
                  "info": {
                    "type": "object",
                    "description": "The caller's own fields; at most 16,384 bytes as JSON.",
                    "additionalProperties": true
                  },
                  "idempotency_key": {
                    "type": "string",
                    "maxLength": 128,
                    "description": "Optional; at most 128 bytes. A retry with the same key returns the first response."
                  }
                },
                "required": [
                  "cube_id",
                  "messages"
                ],
                "additionalProperties": false
              },
              "AddMessagesResponse": {
                "type": "object",
                "properties": {
                  "memories": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Memory"
                    }
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "change_seq": {
                    "type": "integer"
                  },
                  "warnings": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "message_ids": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                },
                "additionalProperties": false
              },
              "DeleteMemoriesRequest": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "ids": {
                    "type": "object",
                    "properties": {
                      "ids": {
                        "type": "array",
                        "items": {
                          "type": "string",
                          "format": "uuid"
                        },
                        "minItems": 1,
                        "maxItems": 1000
                      }
                    },
                    "required": [
                      "ids"
                    ],
                    "additionalProperties": false
                  },
                  "filter": {
                    "$ref": "#/components/schemas/Filter"
                  },
                  "session_id": {
                    "type": "string"
                  },
                  "whole_cube": {
                    "type": "boolean"
                  },
                  "dry_run": {
                    "type": "boolean",
                    "description": "List what would be deleted; change nothing."
                  },
                  "idempotency_key": {
                    "type": "string",
                    "maxLength": 128,
                    "description": "Optional; at most 128 bytes. A retry with the same key returns the first response."
                  },
                  "hard": {
                    "type": "boolean",
                    "description": "Remove for good, leaving tombstones; default is a soft, restorable delete."
                  }
                },
                "required": [
                  "cube_id"
                ],
                "description": "Exactly one selector of ids, filter, session_id, whole_cube.",
                "additionalProperties": false
              },
              "DeleteMemoriesResponse": {
                "type": "object",
                "properties": {
                  "deleted_count": {
                    "type": "integer"
                  },
                  "memory_ids": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  "change_seq": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "ArchiveMemoriesRequest": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "memory_ids": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "format": "uuid"
                    },
                    "minItems": 1,
                    "maxItems": 1000,
                    "description": "All must exist in the cube."
                  },
                  "reason": {
                    "type": "string",
                    "maxLength": 256,
                    "description": "Kept in each memory's history."
                  }
                },
                "required": [
                  "cube_id",
                  "memory_ids"
                ],
                "additionalProperties": false
              },
              "ArchiveMemoriesResponse": {
                "type": "object",
                "properties": {
                  "archived_count": {
                    "type": "integer"
                  },
                  "change_seq": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "CountMemoriesResponse": {
                "type": "object",
                "properties": {
                  "counts": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "memory_type": {
                          "$ref": "#/components/schemas/MemoryType"
                        },
                        "count": {
                          "type": "integer"
                        }
                      },
                      "additionalProperties": false
                    },
                    "description": "One entry per type that has memories, in the order of the MemoryType enum."
                  },
                  "total": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "ExportedMemory": {
                "type": "object",
                "description": "One line of an export.",
                "properties": {
                  "memory": {
                    "$ref": "#/components/schemas/Memory"
                  },
                  "history": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/HistoryEntry"
                    },
                    "description": "Every change, newest first."
                  }
                },
                "additionalProperties": false
              },
              "RestoreMemoriesRequest": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "memory_ids": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "format": "uuid"
                    },
                    "minItems": 1,
                    "maxItems": 1000
                  }
                },
                "required": [
                  "cube_id",
                  "memory_ids"
                ],
                "additionalProperties": false
              },
              "RestoreMemoriesResponse": {
                "type": "object",
                "properties": {
                  "restored_count": {
                    "type": "integer"
                  },
                  "change_seq": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "MemoryPatch": {
                "type": "object",
                "properties": {
                  "content": {
                    "type": "string",
                    "maxLength": 16384
                  },
                  "key": {
                    "type": "string",
                    "maxLength": 256
                  },
                  "tags": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "maxLength": 64,
                      "minLength": 1
                    },
                    "maxItems": 32,
                    "description": "At most 32 tags of 1 to 64 bytes."
                  },
                  "info": {
                    "type": "object",
                    "description": "The caller's own fields; at most 16,384 bytes as JSON.",
                    "additionalProperties": true
                  },
                  "memory_type": {
                    "$ref": "#/components/schemas/MemoryType"
                  },
                  "valid_from": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "valid_to": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "confidence": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1
                  }
                },
                "additionalProperties": false
              },
              "UpdateMemoryRequest": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "memory_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "patch": {
                    "$ref": "#/components/schemas/MemoryPatch"
                  },
                  "update_mask": {
                    "type": "string",
                    "description": "Comma-separated fields of patch to apply: content, key, tags, info, memoryType, validFrom, validTo, confidence."
                  },
                  "expected_version": {
                    "type": "integer",
                    "description": "When set, applies only if the memory's version equals it; otherwise 409."
                  },
                  "idempotency_key": {
                    "type": "string",
                    "maxLength": 128,
                    "description": "Optional; at most 128 bytes. A retry with the same key returns the first response."
                  }
                },
                "required": [
                  "cube_id",
                  "memory_id",
                  "patch",
                  "update_mask"
                ],
                "additionalProperties": false
              },
              "UpdateMemoryResponse": {
                "type": "object",
                "properties": {
                  "memory": {
                    "$ref": "#/components/schemas/Memory"
                  },
                  "change_seq": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "SearchRequest": {
                "type": "object",
                "properties": {
                  "cube_ids": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 128,
                      "pattern": "^[A-Za-z0-9_.:@-]+$",
                      "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                    },
                    "minItems": 1,
                    "maxItems": 32
                  },
                  "query": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 8192,
                    "description": "1 to 8,192 bytes."
                  },
                  "top_k": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 100,
                    "description": "1 to 100; default 10."
                  },
                  "mode": {
                    "type": "string",
                    "enum": [
                      "FAST",
                      "FINE"
                    ]
                  },
                  "retrieval_mode": {
                    "type": "string",
                    "enum": [
                      "HYBRID",
                      "VECTOR",
                      "KEYWORD"
                    ]
                  },
                  "dedup": {
                    "type": "string",
                    "enum": [
                      "NONE",
                      "EXACT",
                      "MMR"
                    ]
                  },
                  "memory_types": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/MemoryType"
                    }
                  },
                  "filter": {
                    "$ref": "#/components/schemas/Filter"
                  },
                  "relativity": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "Least score kept, 0 to 1; default 0.45; 0 keeps everything."
                  },
                  "session_id": {
                    "type": "string",
                    "description": "Hits from this session are boosted."
                  },
                  "statuses": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/MemoryStatus"
                    }
                  },
                  "min_change_seq": {
                    "type": "integer",
                    "description": "Wait until this write is visible."
                  },
                  "max_wait_ms": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 30000,
                    "description": "How long to wait for min_change_seq to be indexed; 0 means 2,000."
                  },
                  "include_embeddings": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "cube_ids",
                  "query"
                ],
                "additionalProperties": false
              },
              "SearchResponse": {
                "type": "object",
                "properties": {
                  "hits": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "memory": {
                          "$ref": "#/components/schemas/Memory"
                        },
                        "score": {
                          "type": "number"
                        },
                        "vector_score": {
                          "type": "number"
                        },
                        "keyword_score": {
                          "type": "number"
                        }
                      },
                      "additionalProperties": false
                    }
                  },
                  "change_seq": {
                    "type": "integer"
                  },
                  "embedding_model": {
                    "type": "string"
                  },
                  "mode_used": {
                    "type": "string",
                    "enum": ["FAST", "FINE"],
                    "description": "FINE asked with no LLM configured, or when query expansion fails, runs FAST."
                  },
                  "expanded_queries": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "FINE: the LLM's rephrasings and keywords, searched together with the query."
                  },
                  "warnings": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                },
                "additionalProperties": false
              },
              "ListMemoriesResponse": {
                "type": "object",
                "properties": {
                  "memories": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Memory"
                    }
                  },
                  "next_page_token": {
                    "type": "string"
                  }
                },
                "additionalProperties": false
              },
              "HistoryEntry": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "memory_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "action": {
                    "type": "string"
                  },
                  "before": {
                    "$ref": "#/components/schemas/Memory"
                  },
                  "after": {
                    "$ref": "#/components/schemas/Memory"
                  },
                  "actor_user_id": {
                    "type": "string"
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "reason": {
                    "type": "string"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "additionalProperties": false
              },
              "GetHistoryResponse": {
                "type": "object",
                "properties": {
                  "entries": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/HistoryEntry"
                    }
                  },
                  "next_page_token": {
                    "type": "string"
                  }
                },
                "additionalProperties": false
              },
              "Job": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "cube_id": {
                    "type": "string"
                  },
                  "kind": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "WAITING",
                      "IN_PROGRESS",
                      "COMPLETED",
                      "FAILED",
                      "CANCELLED",
                      "DEAD"
                    ]
                  },
                  "priority": {
                    "type": "integer"
                  },
                  "attempts": {
                    "type": "integer"
                  },
                  "max_attempts": {
                    "type": "integer"
                  },
                  "last_error": {
                    "type": "string"
                  },
                  "progress": {
                    "type": "number"
                  },
                  "result": {
                    "type": "object"
                  },
                  "memory_ids": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "format": "uuid"
                    }
                  },
                  "session_id": {
                    "type": "string"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "run_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "finished_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "additionalProperties": false
              },
              "ListJobsResponse": {
                "type": "object",
                "properties": {
                  "jobs": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Job"
                    }
                  },
                  "next_page_token": {
                    "type": "string"
                  }
                },
                "additionalProperties": false
              },
              "StatusSummary": {
                "type": "object",
                "properties": {
                  "waiting": {
                    "type": "integer"
                  },
                  "in_progress": {
                    "type": "integer"
                  },
                  "completed": {
                    "type": "integer"
                  },
                  "failed": {
                    "type": "integer"
                  },
                  "cancelled": {
                    "type": "integer"
                  },
                  "dead": {
                    "type": "integer"
                  },
                  "total": {
                    "type": "integer"
                  }
                },
                "additionalProperties": false
              },
              "User": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "name": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "user"
                    ]
                  },
                  "disabled": {
                    "type": "boolean",
                    "description": "A disabled user's keys are refused (401)."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "id",
                  "name",
                  "role",
                  "disabled",
                  "created_at"
                ],
                "additionalProperties": false
              },
              "NewUser": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "pattern": "^[A-Za-z0-9_.@-]+$",
                    "description": "1 to 64 bytes of ASCII letters, digits and - _ . @; unique."
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "user"
                    ],
                    "description": "Default user."
                  }
                },
                "required": [
                  "name"
                ],
                "additionalProperties": false
              },
              "APIKey": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "user_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "name": {
                    "type": "string"
                  },
                  "prefix": {
                    "type": "string",
                    "description": "The key's first 11 characters, to tell keys apart."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "last_used_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "Last authentication; updated at most every 5 s per process."
                  },
                  "revoked_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "id",
                  "user_id",
                  "name",
                  "prefix",
                  "created_at"
                ],
                "additionalProperties": false
              },
              "NewAPIKeyRequest": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "maxLength": 256,
                    "description": "A label; at most 256 bytes."
                  },
                  "user_id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "Whose key; another user's needs an admin. Default: the caller."
                  }
                },
                "additionalProperties": false
              },
              "NewAPIKey": {
                "type": "object",
                "description": "An APIKey with the key itself.",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "user_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "name": {
                    "type": "string"
                  },
                  "prefix": {
                    "type": "string",
                    "description": "The key's first 11 characters, to tell keys apart."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "last_used_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "revoked_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "key": {
                    "type": "string",
                    "description": "The key itself: shown in this response only; the server keeps its SHA-256 hash."
                  }
                },
                "required": [
                  "id",
                  "user_id",
                  "name",
                  "prefix",
                  "created_at",
                  "key"
                ],
                "additionalProperties": false
              },
              "Cube": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "owner_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "owner_name": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "owner",
                      "writer",
                      "reader"
                    ],
                    "description": "The caller's role."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "memory_ttl_seconds": {
                    "type": "integer",
                    "description": "Memories older than this are archived by the scheduler's lifecycle sweep; absent: kept."
                  }
                },
                "required": [
                  "cube_id",
                  "name",
                  "owner_id",
                  "owner_name",
                  "created_at"
                ],
                "additionalProperties": false
              },
              "NewCube": {
                "type": "object",
                "properties": {
                  "cube_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:@-]+$",
                    "description": "1 to 128 bytes of ASCII letters, digits and - _ . : @"
                  },
                  "name": {
                    "type": "string",
                    "maxLength": 256,
                    "description": "At most 256 bytes; default the id."
                  }
                },
                "required": [
                  "cube_id"
                ],
                "additionalProperties": false
              },
              "Member": {
                "type": "object",
                "properties": {
                  "user_id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "user_name": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "owner",
                      "writer",
                      "reader"
                    ]
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "user_id",
                  "user_name",
                  "role",
                  "created_at"
                ],
                "additionalProperties": false
              },
              "Members": {
                "type": "object",
                "properties": {
                  "members": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Member"
                    },
                    "description": "Owner first, then by name."
                  }
                },
                "required": [
                  "members"
                ],
                "additionalProperties": false
              },
              "Share": {
                "type": "object",
                "properties": {
                  "role": {
                    "type": "string",
                    "enum": [
                      "reader",
                      "writer"
                    ],
                    "description": "reader may read; writer may also add, change and delete memories. Only the owner shares."
                  }
                },
                "required": [
                  "role"
                ],
                "additionalProperties": false
              },
              "MemOSEnvelope": {
                "type": "object",
                "properties": {
                  "code": {
                    "type": "integer",
                    "description": "200, or the HTTP status of an error."
                  },
                  "message": {
                    "type": "string"
                  },
                  "data": {
                    "description": "The route's result; null on errors."
                  }
                },
                "required": [
                  "code",
                  "message",
                  "data"
                ],
                "description": "MemOS's BaseResponse.",
                "additionalProperties": false
              },
              "MemOSItem": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "memory": {
                    "type": "string"
                  },
                  "ref_id": {
                    "type": "string"
                  },
                  "metadata": {
                    "type": "object",
                    "properties": {
                      "relativity": {
                        "type": "number",
                        "description": "Search score, 0 to 1."
                      },
                      "memory_type": {
                        "type": "string"
                      },
                      "tags": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      },
                      "info": {
                        "type": "object"
                      },
                      "sources": {
                        "type": "array",
                        "items": {
                          "type": "object"
                        }
                      },
                      "user_id": {
                        "type": "string",
                        "format": "uuid",
                        "description": "The author."
                      },
                      "session_id": {
                        "type": "string"
                      },
                      "cube_id": {
                        "type": "string"
                      },
                      "created_at": {
                        "type": "string",
                        "format": "date-time"
                      },
                      "updated_at": {
                        "type": "string",
                        "format": "date-time"
                      }
                    }
                  }
                },
                "description": "A memory as MemOS's format_memory_item shows it."
              }
            }
          }
        }

        """#
}
