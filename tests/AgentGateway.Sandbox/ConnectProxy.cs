using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentGateway.Sandbox;

/// <summary>
/// A forward proxy on 127.0.0.1 that speaks only <c>CONNECT</c> (what a client sends to reach an https URL through a
/// proxy): it opens a tunnel to the host and port asked for, loopback only, and relays bytes both ways without reading
/// them (TLS, mutual TLS included, is end to end). With <c>user</c> and <c>password</c> it asks for Basic
/// authentication first (HTTP 407 with <c>Proxy-Authenticate: Basic</c>) and tunnels only a request that carries
/// them. It counts what it did, so that a test can tell that a request went through it.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private const int MaxHeadBytes = 16 * 1024;
    private readonly TcpListener _listener;
    private readonly string? _expectedAuthorization;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private long _tunnels;
    private long _refused;
    private long _requests;

    private ConnectProxy(string? user, string? password)
    {
        if (user is not null)
        {
            _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 512);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Starts a proxy on a free 127.0.0.1 port; with <paramref name="user"/>, Basic authentication is required.</summary>
    public static ConnectProxy Start(string? user = null, string? password = null) => new(user, password);

    /// <summary>The proxy's URL, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Tunnels opened (CONNECTs that were let through).</summary>
    public long Tunnels => Interlocked.Read(ref _tunnels);

    /// <summary>Requests answered 407 (no credentials, or the wrong ones).</summary>
    public long AuthenticationRefusals => Interlocked.Read(ref _refused);

    /// <summary>Every request read (CONNECT or not).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        using var stream = new NetworkStream(client, ownsSocket: false);
        try
        {
            // A client may send another request on the same connection after a 407 (with its credentials).
            while (!_stop.IsCancellationRequested)
            {
                var head = await ReadHeadAsync(stream).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                var lines = head.Split("\r\n");
                var parts = lines[0].Split(' ');
                if (parts.Length != 3 || parts[0] != "CONNECT")
                {
                    await AnswerAsync(stream, "405 Method Not Allowed", "Allow: CONNECT\r\n").ConfigureAwait(false);
                    return;
                }

                if (_expectedAuthorization is not null && !lines.Skip(1).Any(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase) && l["Proxy-Authorization:".Length..].Trim() == _expectedAuthorization))
                {
                    Interlocked.Increment(ref _refused);
                    await AnswerAsync(stream, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"sandbox\"\r\n").ConfigureAwait(false);
                    continue;
                }

                var colon = parts[1].LastIndexOf(':');
                if (colon < 0 || !int.TryParse(parts[1][(colon + 1)..], out var port) || !IsLoopback(parts[1][..colon]))
                {
                    await AnswerAsync(stream, "403 Forbidden", string.Empty).ConfigureAwait(false);
                    return;
                }

                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    await AnswerAsync(stream, "502 Bad Gateway", string.Empty).ConfigureAwait(false);
                    return;
                }

                Interlocked.Increment(ref _tunnels);
                await stream.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), _stop.Token).ConfigureAwait(false);
                using var up = new NetworkStream(upstream, ownsSocket: false);
                var toServer = PumpAsync(stream, upstream, up);
                var toClient = PumpAsync(up, client, stream);
                await Task.WhenAny(toServer, toClient).ConfigureAwait(false);
                upstream.Close();
                client.Close();
                return;
            }
        }
        catch (Exception)
        {
            // A client that went away; the connection is closed.
        }
    }

    private async Task PumpAsync(Stream from, Socket toSocket, Stream to)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token).ConfigureAwait(false);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // Either side closed.
        }
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static Task AnswerAsync(Stream stream, string status, string headers) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: 0\r\n\r\n")).AsTask();

    /// <summary>The request line and headers up to the blank line, or null when the client closed; bounded.</summary>
    private async Task<string?> ReadHeadAsync(Stream stream)
    {
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            // One byte at a time: nothing after the blank line (the TLS hello) may be consumed here.
            var read = await stream.ReadAsync(buffer.AsMemory(length, 1), _stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            length++;
            if (length >= 4 && buffer[length - 4] == '\r' && buffer[length - 3] == '\n' && buffer[length - 2] == '\r' && buffer[length - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer, 0, length - 4);
            }
        }

        return null;
    }
}
