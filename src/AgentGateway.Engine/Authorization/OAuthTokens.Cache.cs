using System.Globalization;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The token cache: a token stored under its key (kind, issuer, resource, client, scopes, user) and bound to its
/// endpoint, how long it is served and when its refresh is due, and the listing and clearing of the cached tokens.
/// </summary>
internal sealed partial class OAuthTokens
{
    private const double RefreshAheadFraction = 0.9;

    /// <summary>The cached tokens, most recently used first, without any secret.</summary>
    public IReadOnlyList<TokenCacheEntry> GetEntries()
    {
        var now = _time.GetUtcNow();
        List<(string Key, Entry Value)> snapshot;
        lock (_gate)
        {
            snapshot = _cache.Snapshot();
        }

        return [.. snapshot.Select(item =>
        {
            var e = item.Value;
            var remaining = Remaining(e);
            if (remaining < TimeSpan.Zero)
            {
                remaining = TimeSpan.Zero;
            }

            return new TokenCacheEntry(e.Token.Kind, e.Token.Fingerprint, (now + remaining).ToUniversalTime(), remaining, remaining > TimeSpan.Zero && IsRefreshDue(e))
            {
                Subject = e.Claims?.Subject,
                Issuer = e.Info.Server.IssuerText,
                Audience = e.Claims?.Audience,
                Scopes = e.Scope ?? e.Claims?.Scopes,
                IssuedAt = e.Claims?.IssuedAt,
                ExpiresOn = e.Claims?.ExpiresOn,
                Resource = e.Info.Resource ?? e.Info.Endpoint.GetLeftPart(UriPartial.Path),
                ClientId = e.Client.ClientId,
                Endpoint = e.Info.Endpoint,
            };
        })];
    }

    /// <summary>Drops every token, or those of the endpoints whose URL <paramref name="endpoint"/> is (path compared); returns how many.</summary>
    public int Clear(Uri? endpoint = null)
    {
        int count;
        lock (_gate)
        {
            if (endpoint is null)
            {
                count = _cache.Clear();
                _bindings.Clear();
            }
            else
            {
                var endpointKey = EndpointKey(endpoint);
                count = 0;
                foreach (var bound in _bindings.Keys.Where(k => k == endpointKey || k.StartsWith(endpointKey + UserSeparator, StringComparison.Ordinal)).ToList())
                {
                    if (_bindings.Remove(bound, out var key) && _cache.Remove(key))
                    {
                        count++;
                    }
                }
            }
        }

        CallLog.Verbose($"Signed-in token cache cleared: {count} token(s) dropped.");
        return count;
    }

    private AccessToken Store(
        string endpointKey, OAuthServerInfo info, OAuthClient client, string? scope, OAuthTokenAnswer answer, string? previousRefreshToken, TokenKind kind = TokenKind.AuthorizationCode, string? user = null)
    {
        var config = _config();
        var now = _time.GetUtcNow();
        var expiry = TokenExpiry.Compute(answer.Response, now, config.TokenExpiryBuffer, config.FallbackTokenTtl);
        if (expiry.ServableLifetime <= TimeSpan.Zero)
        {
            throw new OAuthException(
                OAuthErrorKind.Refused,
                $"The authorization server '{info.Server.IssuerText}' issued a token that expires at {expiry.ReportedExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, already past or inside the expiry buffer; it was not sent.",
                info.Endpoint)
            { Issuer = info.Server.Issuer };
        }

        var token = new AccessToken(answer.Response.AccessToken, kind, now + expiry.ServableLifetime);
        var key = string.Join('|', kind, info.Server.IssuerText, info.Resource ?? info.Endpoint.GetLeftPart(UriPartial.Path), client.ClientId, scope ?? string.Empty, user ?? string.Empty);
        var entry = new Entry(token, answer.RefreshToken ?? previousRefreshToken, _time.GetTimestamp(), expiry.ReportedLifetime, expiry.BufferApplies, info, client, scope, JwtReader.TryReadClaims(token.Value), key, user);
        lock (_gate)
        {
            // A person's token (no user fingerprint) serves every caller of the endpoint; a user's token, the binding asked for.
            _cache.Set(key, entry);
            _bindings[user is null ? EndpointKey(info.Endpoint) : endpointKey] = key;
        }

        CallLog.Verbose($"Token {token.Fingerprint} from {info.Server.IssuerText} cached for {OAuthDiscovery.Where(info.Endpoint)} (expiry from {expiry.Source}, served for {expiry.ServableLifetime.TotalSeconds:0} s{(entry.RefreshToken is null ? string.Empty : ", refreshable")}).");
        return token;
    }

    private TimeSpan Remaining(Entry entry) =>
        entry.ReportedLifetime - (entry.BufferApplies ? _config().TokenExpiryBuffer : TimeSpan.Zero) - _time.GetElapsedTime(entry.FetchedAt);

    private bool IsExpired(Entry entry) => Remaining(entry) <= TimeSpan.Zero;

    private bool IsRefreshDue(Entry entry)
    {
        var servable = entry.ReportedLifetime - (entry.BufferApplies ? _config().TokenExpiryBuffer : TimeSpan.Zero);
        return _time.GetElapsedTime(entry.FetchedAt) >= servable * RefreshAheadFraction;
    }

    private sealed record Entry(
        AccessToken Token, string? RefreshToken, long FetchedAt, TimeSpan ReportedLifetime, bool BufferApplies, OAuthServerInfo Info, OAuthClient Client, string? Scope, TokenClaims? Claims, string Key, string? User)
    {
        public override string ToString() => $"{Token} for {Info.Endpoint}";
    }
}
