using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox;

/// <summary>The plain-HTTP admin API (test only): knobs, revocation, stats.</summary>
internal static class AdminApi
{
    public static void Map(WebApplication app, SandboxGateway sandbox)
    {
        app.MapPost("/admin/revoke", () =>
        {
            sandbox.RevokeAllTokens();
            return Results.NoContent();
        });
        app.MapPost("/admin/revoke-token", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var token = (await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false)).Trim();
            if (token.Length == 0)
            {
                return Results.BadRequest(new JsonObject { ["error"] = "the body must be the access token" });
            }

            sandbox.RevokeToken(token);
            return Results.NoContent();
        });
        app.MapPost("/admin/authorization/revoke", () =>
        {
            sandbox.Authorization.RevokeAll();
            return Results.NoContent();
        });
        app.MapGet("/admin/authorization/stats", () => Results.Json(new JsonObject
        {
            ["authorizations"] = sandbox.Authorization.Authorizations,
            ["codeExchanges"] = sandbox.Authorization.CodeExchanges,
            ["clientCredentialsGrants"] = sandbox.Authorization.ClientCredentialsGrants,
            ["lastClientAuthentication"] = sandbox.Authorization.LastClientAuthentication,
        }));
        app.MapPost("/admin/forget-sessions", () =>
        {
            sandbox.ForgetAllSessions();
            return Results.NoContent();
        });
        app.MapGet("/admin/stats", () => Results.Json(sandbox.GetStats()));
        app.MapPost("/admin/reset-stats", () =>
        {
            sandbox.ResetStats();
            return Results.NoContent();
        });
        app.MapPost("/admin/fail-next", (int? count, int? status, int? delayMs, int? retryAfterSec, string? error) =>
        {
            sandbox.FailNext(
                count ?? 1,
                status ?? 500,
                delayMs is { } d ? TimeSpan.FromMilliseconds(d) : null,
                retryAfterSec is { } r ? TimeSpan.FromSeconds(r) : null,
                error);
            return Results.NoContent();
        });
        app.MapPost("/admin/token-hold", (bool? hold) =>
        {
            if (hold == true)
            {
                sandbox.HoldTokenResponses();
            }
            else if (hold == false)
            {
                sandbox.ReleaseTokenResponses();
            }

            return Results.Json(new JsonObject { ["held"] = sandbox.HeldTokenRequests });
        });
        app.MapPost("/admin/token", (int? lifetimeSec, string? shape, int? delayMs) =>
        {
            if (shape is not null)
            {
                if (!Enum.TryParse<TokenResponseShape>(shape, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                {
                    return Results.BadRequest(new JsonObject
                    {
                        ["error"] = $"shape must be one of {string.Join(", ", Enum.GetNames<TokenResponseShape>())}",
                    });
                }

                sandbox.Shape = parsed;
            }

            if (lifetimeSec is { } seconds)
            {
                // 0 or negative: tokens come already expired (by that much), as from a token service with a bad clock.

                sandbox.TokenLifetime = TimeSpan.FromSeconds(seconds);
            }

            if (delayMs is { } delay)
            {
                sandbox.ResponseDelay = TimeSpan.FromMilliseconds(Math.Max(0, delay));
            }

            return Results.Json(new JsonObject
            {
                ["lifetimeSec"] = sandbox.TokenLifetime.TotalSeconds,
                ["shape"] = sandbox.Shape.ToString(),
                ["delayMs"] = sandbox.ResponseDelay.TotalMilliseconds,
            });
        });
        app.MapPost("/admin/quota", (int? perSecond) =>
        {
            sandbox.McpQuotaPerSecond = perSecond ?? 0;
            return Results.Json(new JsonObject { ["perSecond"] = sandbox.McpQuotaPerSecond });
        });
        app.MapPost("/admin/latency", (int? mcpMs, int? tokenMs) =>
        {
            if (mcpMs is { } mcp)
            {
                sandbox.McpDelay = TimeSpan.FromMilliseconds(Math.Max(0, mcp));
            }

            if (tokenMs is { } token)
            {
                sandbox.ResponseDelay = TimeSpan.FromMilliseconds(Math.Max(0, token));
            }

            return Results.Json(new JsonObject
            {
                ["mcpMs"] = sandbox.McpDelay.TotalMilliseconds,
                ["tokenMs"] = sandbox.ResponseDelay.TotalMilliseconds,
            });
        });
        app.MapGet("/admin/relay", () => Results.Json(new JsonObject
        {
            ["roundTripMs"] = (sandbox.TokenServiceRelay ?? sandbox.GatewayRelay)?.OneWayDelay.TotalMilliseconds * 2 ?? 0,
            ["tokenService"] = DescribeRelay(sandbox.TokenServiceRelay),
            ["gateway"] = DescribeRelay(sandbox.GatewayRelay),
        }));
        app.MapPost("/admin/user-jwt", (string? sub, int? lifetimeSec) =>
        {
            var jwt = sandbox.IssueUserJwt(
                string.IsNullOrEmpty(sub) ? "sandbox-user" : sub,
                lifetimeSec is { } s ? TimeSpan.FromSeconds(s) : null);
            return Results.Json(new JsonObject { ["jwt"] = jwt });
        });
        app.MapPost("/admin/schema", (int? revision, int? listTtlMs) =>
        {
            if (revision is { } r)
            {
                sandbox.SchemaRevision = r;
            }

            if (listTtlMs is { } ttl)
            {
                sandbox.ToolListTtl = ttl >= 0 ? TimeSpan.FromMilliseconds(ttl) : null;
            }

            return Results.Json(new JsonObject { ["revision"] = sandbox.SchemaRevision, ["listTtlMs"] = sandbox.ToolListTtl?.TotalMilliseconds });
        });
        app.MapGet("/admin/last-correlation-id", () => Results.Json(new JsonObject { ["correlationId"] = sandbox.LastCorrelationId }));
        app.MapPost("/admin/shutdown", () =>
        {
            sandbox.RequestShutdown();
            return Results.NoContent();
        });
    }

    // A relay's counters since the start (not reset by reset-stats): TCP connections accepted, chunks forwarded, mean delay kept, mean lateness of the timers.
    private static JsonObject? DescribeRelay(LatencyRelay? relay) => relay is null ? null : new JsonObject
    {
        ["connections"] = relay.AcceptedConnections,
        ["chunksForwarded"] = relay.ChunksForwarded,
        ["meanOneWayMs"] = Math.Round(relay.MeanObservedDelay.TotalMilliseconds, 3),
        ["meanLatenessMs"] = Math.Round(relay.MeanLateness.TotalMilliseconds, 3),
    };
}
