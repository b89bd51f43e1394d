using System.Collections.Concurrent;
using System.Net;

namespace AgentGateway.Engine.Http;

/// <summary>
/// The <see cref="IWebProxy"/> of this client's handlers: each request asks <see cref="ProxySettings.RouteFor"/>
/// (the config's proxy, NO_PROXY, the environment read then), and the proxy that asks for credentials gets those of
/// its route.
/// </summary>
internal sealed class ClientProxy : IWebProxy, ICredentials
{
    private readonly Func<string, string?> _environment;
    private readonly ConcurrentDictionary<Uri, NetworkCredential> _credentials = new();

    public ClientProxy(ProxySettings settings, Func<string, string?>? getEnvironmentVariable = null)
    {
        Settings = settings;
        _environment = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
    }

    public ProxySettings Settings { get; }

    /// <summary>Ours, per proxy: what <see cref="ICredentials.GetCredential"/> gives the proxy that asks.</summary>
    public ICredentials? Credentials
    {
        get => this;
        set { }
    }

    public ProxyRoute RouteFor(Uri destination) => Settings.RouteFor(destination, _environment);

    public Uri? GetProxy(Uri destination)
    {
        var route = RouteFor(destination);
        if (route.Proxy is { } proxy && route.Credential is { } credential)
        {
            _credentials[proxy] = credential;
        }

        return route.Proxy;
    }

    public bool IsBypassed(Uri host) => RouteFor(host).Proxy is null;

    /// <summary>Whether a credential is known for <paramref name="proxy"/> (it was offered when the proxy asked).</summary>
    public bool HasCredentialFor(Uri proxy) => _credentials.ContainsKey(proxy);

    NetworkCredential? ICredentials.GetCredential(Uri uri, string authType) =>
        _credentials.TryGetValue(new Uri(uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + "/"), out var credential) ? credential : null;
}
