using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The tokens of a runspace: where its credentials come from, the token provider made from them on first use (kept
/// until the credential or trust paths change, <see cref="Reset"/> or disposal), the dependencies they name and the
/// auth each endpoint gets.
/// </summary>
internal sealed class RunspaceTokens
{
    private readonly Lock _gate = new();
    private readonly Func<ClientConfig> _config;
    private readonly Func<string, string?> _getEnvironmentVariable;
    private readonly TimeProvider _timeProvider;
    private readonly TokenClientOptions? _tokenClientOptions;
    private TokenProvider? _tokenProvider;
    private string? _lastCheckedUserJwt;
    /// <summary>Reads the environment of this runspace's process (tests give their own).</summary>
    internal Func<string, string?> GetEnvironmentVariable => _getEnvironmentVariable;

    internal RunspaceTokens(Func<ClientConfig> config, Func<string, string?> getEnvironmentVariable, TimeProvider timeProvider, TokenClientOptions? tokenClientOptions)
    {
        _config = config;
        _getEnvironmentVariable = getEnvironmentVariable;
        _timeProvider = timeProvider;
        _tokenClientOptions = tokenClientOptions;
        SignIns = new OAuthTokens(config, timeProvider);
    }

    /// <summary>
    /// The tokens of MCP servers' own authorization servers (sign-in, refresh) and the client settings per authorization
    /// server: in the same runspace cache as the gateway's tokens, shown and cleared with them.
    /// </summary>
    public OAuthTokens SignIns { get; }

    /// <summary>Where credentials would come from under the current config; reads no secret.</summary>
    public CredentialSource LocateCredentials() =>
        CredentialSourceLocator.Locate(_config().CredentialPath, _getEnvironmentVariable);

    /// <summary>The token provider if one was made already; never loads credentials (for inspection).</summary>
    public TokenProvider? PeekTokenProvider()
    {
        lock (_gate)
        {
            return _tokenProvider;
        }
    }

    /// <summary>
    /// The token provider of this runspace: on first use the credentials are located and loaded (a
    /// <see cref="CredentialException"/> when none are found or they are invalid; nothing is kept then, so the next
    /// call looks again) and the provider is kept until the credential path or the trusted CA path changes,
    /// <see cref="Reset"/> or disposal.
    /// </summary>
    public TokenProvider GetTokenProvider()
    {
        lock (_gate)
        {
            if (_tokenProvider is not null)
            {
                return _tokenProvider;
            }

            var config = _config();
            var source = CredentialSourceLocator.Locate(config.CredentialPath, _getEnvironmentVariable);
            var credentials = CredentialLoader.Load(source, _getEnvironmentVariable, _timeProvider);
            try
            {
                _tokenProvider = new TokenProvider(credentials, config, _timeProvider, _tokenClientOptions, _getEnvironmentVariable);
            }
            catch
            {
                credentials.Dispose();
                throw;
            }

            CallLog.Verbose($"Credentials loaded from {source.Kind} {source.Location}: client {credentials.ClientId}, {credentials.Mode} mode, token service {credentials.TokenServiceUrl}.");
            return _tokenProvider;
        }
    }

    /// <summary>
    /// The token provider, or null when no source has credentials. Credentials loaded already are used until
    /// the config changes (as <see cref="GetTokenProvider"/> does): only before that are the sources scanned.
    /// A <see cref="CredentialException"/> when the credentials found are invalid.
    /// </summary>
    internal TokenProvider? TryGetTokenProvider() =>
        PeekTokenProvider() ?? (LocateCredentials().Kind == CredentialSourceKind.None ? null : GetTokenProvider());

    /// <summary>The resolved credentials for display (client id, URLs, mode, dependencies, certificate thumbprint; never the key).</summary>
    public CredentialsReport DescribeCredentials() => GetTokenProvider().Credentials.Describe();

    /// <summary>Drops the token provider (its tokens and connections); the next use loads the credentials again.</summary>
    public void Reset()
    {
        TokenProvider? stale;
        lock (_gate)
        {
            stale = _tokenProvider;
            _tokenProvider = null;
        }

        stale?.Dispose();
    }

    /// <summary>Drops cached tokens (all, or one kind).</summary>
    public void Clear(TokenKind? kind)
    {
        lock (_gate)
        {
            _tokenProvider?.Clear(kind);
        }
    }

    /// <summary>
    /// Takes a new config: another identity or trust (a new credential or trusted CA path, or
    /// <paramref name="reloadCredentials"/>) drops the provider, returned for the caller to dispose; otherwise the
    /// provider takes the new bounds.
    /// </summary>
    internal TokenProvider? ApplyConfig(ClientConfig previous, ClientConfig next, bool reloadCredentials)
    {
        SignIns.ApplyConfig(next);
        lock (_gate)
        {
            if (_tokenProvider is null)
            {
                return null;
            }

            if (reloadCredentials ||
                !string.Equals(previous.CredentialPath, next.CredentialPath, StringComparison.Ordinal) ||
                !string.Equals(previous.TrustedCaPath, next.TrustedCaPath, StringComparison.Ordinal) ||
                previous.ProxySettings != next.ProxySettings)
            {
                // Another identity or another trust: the next use resolves again; the old provider's tokens and
                // connections go with it.
                var stale = _tokenProvider;
                _tokenProvider = null;
                return stale;
            }

            _tokenProvider.ApplyConfig(next);
            return null;
        }
    }

    /// <summary>The integration dependencies of the credentials (loads them on first use).</summary>
    public IReadOnlyList<IntegrationDependency> GetDependencies() => GetTokenProvider().Credentials.Dependencies;

    /// <summary>The dependencies, or none when no credentials are found; never throws, never touches the network (completers).</summary>
    public IReadOnlyList<IntegrationDependency> TryGetDependencies()
    {
        try
        {
            return TryGetTokenProvider()?.Credentials.Dependencies ?? [];
        }
        catch (CredentialException)
        {
            return [];
        }
    }

    /// <summary>The gateway endpoint of one dependency of the credentials; an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.NotFound"/> when no dependency has that ORD id.</summary>
    public McpTarget TargetForOrdId(string ordId)
    {
        var credentials = GetTokenProvider().Credentials;
        var dependency = credentials.Dependencies.FirstOrDefault(d => string.Equals(d.OrdId, ordId, StringComparison.OrdinalIgnoreCase))
            ?? throw McpGatewayException.NoDependency([ordId]);
        return McpTarget.ForDependency(credentials.GatewayUrl.AbsoluteUri, dependency);
    }

    /// <summary>
    /// An <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.NotFound"/> naming every ORD id of
    /// <paramref name="ordIds"/> that no dependency of the credentials has (ignoring case); nothing when all are known.
    /// </summary>
    public void ThrowIfNoDependency(IEnumerable<string> ordIds)
    {
        ArgumentNullException.ThrowIfNull(ordIds);
        var known = GetTokenProvider().Credentials.Dependencies;
        var missing = ordIds.Where(o => !known.Any(d => string.Equals(d.OrdId, o, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (missing.Length > 0)
        {
            throw McpGatewayException.NoDependency(missing);
        }
    }

    /// <summary>
    /// How requests to <paramref name="endpoint"/> are authenticated: the gateway's tokens (system, or the
    /// user's when <paramref name="userJwt"/> is given) for the credentials' gateway origin; elsewhere
    /// <paramref name="accessToken"/> if given, else nothing. Without credentials only the fixed token is used.
    /// </summary>
    public McpAuth AuthFor(Uri endpoint, string? userJwt, string? accessToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        CheckUserJwt(userJwt);

        var provider = TryGetTokenProvider();
        if (provider is null)
        {
            if (accessToken is not null)
            {
                return McpAuth.Fixed(accessToken);
            }

            if (userJwt is not null && !SignIns.HasEnterpriseManagedClients)
            {
                throw new CredentialException("A user token needs credentials to exchange it, and none were found.");
            }

            // Without gateway credentials a user token serves enterprise-managed authorization (an identity provider set for an authorization server).
            return McpAuth.SignInOnly(SignIns, userJwt);
        }

        return McpAuth.Gateway(provider, provider.Credentials.GatewayUrl, userJwt, accessToken).WithSignIn(SignIns);
    }

    /// <summary>A user token that is not a JWT is refused before anything is sent (<see cref="UserTokenException"/>); the last good one is remembered.</summary>
    private void CheckUserJwt(string? userJwt)
    {
        if (string.IsNullOrWhiteSpace(userJwt) || string.Equals(userJwt, Volatile.Read(ref _lastCheckedUserJwt), StringComparison.Ordinal))
        {
            return;
        }

        JwtReader.ThrowIfNotJwt(userJwt.Trim());
        Volatile.Write(ref _lastCheckedUserJwt, userJwt);
    }

    /// <summary>The targets of every dependency that <paramref name="include"/> accepts (all when null), before any request.</summary>
    public IReadOnlyList<McpTarget> DependencyTargets(Func<IntegrationDependency, bool>? include = null)
    {
        var credentials = GetTokenProvider().Credentials;
        return credentials.Dependencies
            .Where(d => include?.Invoke(d) ?? true)
            .Select(d => McpTarget.ForDependency(credentials.GatewayUrl.AbsoluteUri, d))
            .ToArray();
    }
}
