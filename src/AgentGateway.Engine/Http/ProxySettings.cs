using System.Net;

namespace AgentGateway.Engine.Http;

/// <summary>
/// How requests leave this client: through the proxy set for the module (<see cref="Address"/>), directly
/// (<see cref="Disabled"/>), or else as the environment says (<c>HTTPS_PROXY</c>, <c>HTTP_PROXY</c>, <c>ALL_PROXY</c>,
/// lower case first; on Windows and macOS the system's proxy when none is set). <c>NO_PROXY</c> is honoured in every
/// case but <see cref="Disabled"/>. The environment is read at each request, so a change of it applies to the next.
/// </summary>
internal sealed record ProxySettings
{
    /// <summary>No proxy set for the module: the environment's (the default).</summary>
    public static ProxySettings FromEnvironment { get; } = new();

    /// <summary>The proxy every request goes through (http or https; no user info: see <see cref="Credential"/>), or null.</summary>
    public Uri? Address { get; init; }

    /// <summary>The credentials given to the proxy when it asks (HTTP 407): for <see cref="Address"/>, else for the environment's proxy.</summary>
    public NetworkCredential? Credential { get; init; }

    /// <summary>No proxy at all, whatever the environment says.</summary>
    public bool Disabled { get; init; }

    /// <summary>Which proxy a request to <paramref name="destination"/> goes through, and why; <paramref name="getEnvironmentVariable"/> reads the environment.</summary>
    public ProxyRoute RouteFor(Uri destination, Func<string, string?>? getEnvironmentVariable = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var env = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        if (Disabled)
        {
            return ProxyRoute.Direct("proxies are switched off for this client");
        }

        var noProxy = Read(env, "no_proxy", "NO_PROXY");
        if (noProxy is not null && NoProxyList.Matches(noProxy, destination))
        {
            return ProxyRoute.Direct("NO_PROXY names this host");
        }

        if (Address is not null)
        {
            return new ProxyRoute(Address, "the client config", Credential);
        }

        var https = destination.Scheme == Uri.UriSchemeHttps;
        var (name, value) = https
            ? ReadNamed(env, "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
            : ReadNamed(env, "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY");
        if (value is not null)
        {
            return ParseEnvironmentProxy(value) is { } parsed
                ? new ProxyRoute(parsed.Address, $"the environment ({name})", Credential ?? parsed.Credential)
                : ProxyRoute.Direct($"the environment's {name} is not a proxy URL");
        }

        if ((OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) && HttpClient.DefaultProxy is { } system && !system.IsBypassed(destination) &&
            system.GetProxy(destination) is { } systemProxy && systemProxy != destination)
        {
            return new ProxyRoute(systemProxy, "the system's proxy settings", Credential);
        }

        return ProxyRoute.Direct("no proxy is set");
    }

    /// <summary>The problems of a proxy URL given for the module (none for a usable one).</summary>
    public static IEnumerable<string> Check(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"a proxy URL must be absolute http or https (got '{Describe(address)}')";
            yield break;
        }

        if (!string.IsNullOrEmpty(address.UserInfo))
        {
            yield return "a proxy URL must not hold credentials: give them as a credential of their own";
        }

        if (address.AbsolutePath != "/" || !string.IsNullOrEmpty(address.Query))
        {
            yield return $"a proxy URL is a scheme, host and port only (got the path '{address.AbsolutePath}')";
        }
    }

    /// <summary>A URL for display: never its user info (where a password may be).</summary>
    public static string Describe(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsAbsoluteUri ? address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + "/" : "(not an absolute URL)";
    }

    /// <summary>An environment proxy value (<c>host:port</c> or a URL, user info allowed) as an address and its credentials.</summary>
    internal static (Uri Address, NetworkCredential? Credential)? ParseEnvironmentProxy(string value)
    {
        var text = value.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        NetworkCredential? credential = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            credential = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
        }

        return (new Uri(uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + "/"), credential);
    }

    private static string? Read(Func<string, string?> env, params string[] names) => ReadNamed(env, names).Value;

    private static (string? Name, string? Value) ReadNamed(Func<string, string?> env, params string[] names)
    {
        foreach (var name in names)
        {
            if (env(name) is { } value && !string.IsNullOrWhiteSpace(value))
            {
                return (name, value);
            }
        }

        return (null, null);
    }
}

/// <summary>Which proxy a request goes through (<see cref="Proxy"/>, null for none) and why (<see cref="Source"/>).</summary>
/// <param name="Proxy">The proxy's address (never with user info), or null when the request goes directly.</param>
/// <param name="Source">Where that came from: the client config, an environment variable, NO_PROXY, ...</param>
/// <param name="Credential">What the proxy is given when it asks for credentials.</param>
internal sealed record ProxyRoute(Uri? Proxy, string Source, NetworkCredential? Credential = null)
{
    internal static ProxyRoute Direct(string why) => new(null, why);

    /// <summary>For display: the proxy and where it came from, or why there is none; never a credential's secret.</summary>
    public override string ToString() => Proxy is null
        ? $"direct ({Source})"
        : $"{ProxySettings.Describe(Proxy)} (from {Source}{(Credential is null ? string.Empty : $", as '{Credential.UserName}'")})";
}
