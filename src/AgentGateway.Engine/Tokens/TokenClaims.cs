namespace AgentGateway.Engine.Tokens;

/// <summary>What an access token says about itself (a JWT's claims, unvalidated): who, from whom, for whom, what, when.</summary>
internal sealed record TokenClaims(string? Subject, string? Issuer, string? Audience, string? Scopes, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresOn);
