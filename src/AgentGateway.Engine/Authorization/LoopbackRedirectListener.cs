using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The loopback redirect listener of a browser sign-in (RFC 8252 section 7.3): a minimal HTTP/1.1 listener on the
/// loopback address of the redirect URI (127.0.0.1, [::1], or both for localhost), on its port or a free one when it
/// names none. It accepts exactly one redirect: a GET to the redirect URI's path whose <c>state</c> is the sign-in's;
/// the browser gets a short plain page and the listener closes. A request with another state is refused (400) and the
/// listener keeps waiting; any other path gets 404. Each request is read within <see cref="MaxRequestBytes"/> and
/// <see cref="ReadTimeoutMilliseconds"/>; how long the whole wait lasts is the caller's cancellation (the sign-in bound,
/// Ctrl+C). Nothing of a request (a code) is written anywhere.
/// </summary>
internal sealed class LoopbackRedirectListener : IDisposable
{
    /// <summary>The most a request's line and headers may hold.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>How long one connection may take to send its request (a browser's idle pre-connection is dropped then).</summary>
    public const int ReadTimeoutMilliseconds = 10_000;

    private readonly List<TcpListener> _listeners;
    private readonly string _path;
    private readonly byte[] _state;
    private readonly TaskCompletionSource<Uri> _redirected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private int _refused;
    private int _disposed;

    private LoopbackRedirectListener(List<TcpListener> listeners, Uri redirectUri, string state)
    {
        _listeners = listeners;
        RedirectUri = redirectUri;
        _path = redirectUri.AbsolutePath;
        _state = Encoding.UTF8.GetBytes(state);
        foreach (var listener in listeners)
        {
            _ = AcceptLoopAsync(listener);
        }
    }

    /// <summary>The redirect URI to send, with the port listened on.</summary>
    public Uri RedirectUri { get; }

    /// <summary>Requests to the redirect path refused for their state (forged or stale redirects).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Completes with the redirected URL (holding <c>code</c>, <c>state</c>, <c>iss</c>, or <c>error</c>) once the one redirect came.</summary>
    public Task<Uri> Redirected => _redirected.Task;

    /// <summary>Whether a listener can serve <paramref name="redirectUri"/>: plain http to a loopback address.</summary>
    public static bool CanListenOn(Uri? redirectUri) =>
        redirectUri is { IsAbsoluteUri: true } && redirectUri.Scheme == Uri.UriSchemeHttp && redirectUri.IsLoopback;

    /// <summary>
    /// Listens for the redirect of the sign-in whose state is <paramref name="state"/>: on the port of
    /// <paramref name="redirectUri"/>, or on a free one when it names none (the authorization server must allow any port
    /// of a loopback redirect URI, RFC 8252 section 7.3).
    /// </summary>
    /// <exception cref="ArgumentException">The redirect URI is not plain http to a loopback address.</exception>
    /// <exception cref="SocketException">Its port is taken.</exception>
    public static LoopbackRedirectListener Start(Uri redirectUri, string state)
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        ArgumentException.ThrowIfNullOrEmpty(state);
        if (!CanListenOn(redirectUri))
        {
            throw new ArgumentException($"The redirect URI '{redirectUri.GetLeftPart(UriPartial.Path)}' is not plain http to a loopback address.", nameof(redirectUri));
        }

        var port = PortOf(redirectUri);
        var addresses = redirectUri.HostNameType switch
        {
            UriHostNameType.IPv6 => new[] { IPAddress.IPv6Loopback },
            UriHostNameType.IPv4 => [IPAddress.Loopback],
            _ => [IPAddress.Loopback, IPAddress.IPv6Loopback], // localhost: the browser may take either
        };
        var listeners = new List<TcpListener>();
        try
        {
            foreach (var address in addresses)
            {
                var listener = new TcpListener(address, port);
                try
                {
                    listener.Start();
                }
                catch (SocketException) when (listeners.Count > 0)
                {
                    // localhost: IPv6 not available (or its port taken); IPv4 serves.
                    listener.Dispose();
                    continue;
                }

                listeners.Add(listener);
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
        }
        catch
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }

            throw;
        }

        var actual = new UriBuilder(redirectUri) { Port = port, Query = string.Empty, Fragment = string.Empty }.Uri;
        return new LoopbackRedirectListener(listeners, actual, state);
    }

    /// <summary>Waits for the one redirect.</summary>
    public Task<Uri> WaitAsync(CancellationToken cancellationToken) => _redirected.Task.WaitAsync(cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _redirected.TrySetCanceled();
        Stop();
        _stop.Dispose();
    }

    public override string ToString() => $"loopback redirect listener on {RedirectUri}";

    /// <summary>The port the redirect URI names, or 0 (any free one) when it names none.</summary>
    private static int PortOf(Uri redirectUri)
    {
        var authority = redirectUri.Authority;
        var named = authority.LastIndexOf(':') > authority.LastIndexOf(']');
        return named ? redirectUri.Port : 0;
    }

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile.
        }

        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            // Each connection on its own: a browser's idle pre-connection must not hold up the redirect.
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(ReadTimeoutMilliseconds);
                var stream = client.GetStream();
                var target = await ReadTargetAsync(stream, timeout.Token).ConfigureAwait(false);
                var (status, text) = Answer(target);
                await WriteAsync(stream, status, text, timeout.Token).ConfigureAwait(false);
                if (status == 200)
                {
                    // The one redirect came: answered, the listener closes.
                    Stop();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection broke, idled or the listener closed: nothing to answer.
            }
        }
    }

    /// <summary>What to answer a request target (null: not a GET request line).</summary>
    private (int Status, string Text) Answer(string? target)
    {
        if (target is null || !target.StartsWith('/'))
        {
            return (400, "Not a request this listener takes.");
        }

        if (!Uri.TryCreate($"{RedirectUri.Scheme}://{RedirectUri.Authority}{target}", UriKind.Absolute, out var url) || !string.Equals(url.AbsolutePath, _path, StringComparison.Ordinal))
        {
            return (404, "Not found.");
        }

        if (!OAuthFlow.Query(url).TryGetValue("state", out var state) || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), _state))
        {
            Interlocked.Increment(ref _refused);
            return (400, "This answer does not belong to the sign-in in progress (its state differs); it was ignored.");
        }

        if (!_redirected.TrySetResult(url))
        {
            return (400, "The sign-in already received its answer.");
        }

        return OAuthFlow.Query(url).ContainsKey("error")
            ? (200, "The sign-in did not complete: see PowerShell for the reason. You can close this window.")
            : (200, "Signed in. You can close this window and return to PowerShell.");
    }

    /// <summary>Reads the request line and headers (to the empty line, within the bound) and returns the target of a GET; null otherwise.</summary>
    private static async Task<string?> ReadTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                return null;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var head = Encoding.ASCII.GetString(buffer, 0, length);
        var line = head[..head.IndexOf("\r\n", StringComparison.Ordinal)];
        var parts = line.Split(' ');
        return parts.Length == 3 && parts[0] == "GET" && parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) ? parts[1] : null;
    }

    private static async Task WriteAsync(NetworkStream stream, int status, string text, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(text + "\n");
        var reason = status switch { 200 => "OK", 404 => "Not Found", _ => "Bad Request" };
        var head = string.Create(
            CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
