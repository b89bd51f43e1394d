using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Sandbox;

/// <summary>
/// The bench's latency relay (<see cref="LatencyRelay"/>): bytes intact and in order, each direction delayed by the
/// one-way delay on its own clock, the two directions independent; and the sandbox reached through it (mTLS).
/// Delays run on a <see cref="FakeTimeProvider"/>: nothing here waits for time to pass.
/// </summary>
public sealed class LatencyRelayTests
{
    private static readonly TimeSpan s_oneWay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_new_connection_pays_the_round_trip_of_its_tcp_handshake_before_its_first_bytes()
    {
        using var upstream = Upstream.Sink();
        var time = new FakeTimeProvider();
        await using var relay = LatencyRelay.Start(upstream.EndPoint, s_oneWay, time);
        using var client = await ConnectAsync(relay);
        await client.SendAsync("hello"u8.ToArray());
        WaitFor(() => relay.ChunksQueued == 1);

        time.Advance(s_oneWay * 2);                  // the handshake's round trip: still held
        Assert.Equal(0, relay.ChunksForwarded);
        time.Advance(s_oneWay);                      // and its own one-way delay
        WaitFor(() => relay.ChunksForwarded == 1);
        Assert.Equal(s_oneWay * 3, relay.MeanObservedDelay);
        Assert.Equal(TimeSpan.Zero, relay.MeanLateness);   // on the fake clock, every timer is on time
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("hello", await upstream.Received.WaitAsync(s_wait));
    }

    [Fact]
    public async Task A_round_trip_takes_one_delay_each_way()
    {
        using var upstream = Upstream.Echo();
        var time = new FakeTimeProvider();
        await using var relay = LatencyRelay.Start(upstream.EndPoint, s_oneWay, time);
        using var client = await ConnectAsync(relay);
        WaitFor(() => relay.AcceptedConnections == 1);
        time.Advance(s_oneWay * 2);                  // past the TCP handshake's round trip

        await client.SendAsync("hello"u8.ToArray());
        var buffer = new byte[16];
        var read = client.ReceiveAsync(buffer.AsMemory()).AsTask();

        WaitFor(() => relay.ChunksQueued == 1);
        Assert.Equal(0, relay.ChunksForwarded);      // held for its delay
        time.Advance(s_oneWay);
        WaitFor(() => relay.ChunksQueued == 2);      // at the echo and back at the relay, held again
        Assert.False(read.IsCompleted);
        Assert.Equal(1, relay.ChunksForwarded);
        time.Advance(s_oneWay);

        Assert.Equal(5, await read.WaitAsync(s_wait));
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, 5));
        Assert.Equal(1, relay.AcceptedConnections);
        WaitFor(() => relay.ChunksForwarded == 2);    // counted just after the write the client has seen
        Assert.Equal(s_oneWay, relay.MeanObservedDelay);
    }

    [Fact]
    public async Task The_two_directions_do_not_wait_for_each_other()
    {
        // The upstream greets on accept while the client sends at once: both chunks held, one delay releases both.
        using var upstream = Upstream.Greeting("welcome");
        var time = new FakeTimeProvider();
        await using var relay = LatencyRelay.Start(upstream.EndPoint, s_oneWay, time);
        using var client = await ConnectAsync(relay);
        await client.SendAsync("request"u8.ToArray());

        WaitFor(() => relay.ChunksQueued == 2);
        time.Advance(s_oneWay * 3);                  // the TCP handshake's round trip and one delay, once for both

        var buffer = new byte[16];
        Assert.Equal(7, await client.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_wait));
        Assert.Equal("welcome", Encoding.ASCII.GetString(buffer, 0, 7));
        Assert.Equal("request", await upstream.Received.WaitAsync(s_wait));
        WaitFor(() => relay.ChunksForwarded == 2);
    }

    [Fact]
    public async Task Chunks_keep_their_order_and_an_end_is_passed_on_after_the_data()
    {
        using var upstream = Upstream.Sink();
        var time = new FakeTimeProvider();
        await using var relay = LatencyRelay.Start(upstream.EndPoint, s_oneWay, time);
        using var client = await ConnectAsync(relay);

        var sent = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var chunk = $"<{i}>";
            sent.Append(chunk);
            await client.SendAsync(Encoding.ASCII.GetBytes(chunk));
            if (i % 50 == 49)
            {
                WaitFor(() => relay.BytesQueued == Encoding.ASCII.GetByteCount(sent.ToString()));
                time.Advance(s_oneWay / 4);          // chunks queued at different times: due at different times
            }
        }

        client.Shutdown(SocketShutdown.Send);
        WaitFor(() => relay.BytesQueued == sent.Length);
        Assert.False(upstream.Received.IsCompleted); // the end waits behind the data
        time.Advance(s_oneWay * 3);

        Assert.Equal(sent.ToString(), await upstream.Received.WaitAsync(s_wait));
    }

    [Fact]
    public async Task The_sandbox_through_its_relays_issues_a_token_over_one_mtls_connection()
    {
        await using var sandbox = await SandboxGateway.StartAsync(new SandboxOptions { RelayRoundTrip = TimeSpan.FromMilliseconds(2) });
        Assert.NotNull(sandbox.TokenServiceRelay);
        Assert.NotNull(sandbox.GatewayRelay);
        Assert.Equal(sandbox.TokenServiceRelay!.EndPoint.Port, sandbox.TokenServiceUrl.Port);
        Assert.Equal(sandbox.GatewayRelay!.EndPoint.Port, sandbox.GatewayUrl.Port);

        var credentialsPath = Path.Combine(Path.GetTempPath(), $"agw-relay-{Guid.NewGuid():N}.json");
        try
        {
            sandbox.WriteCredentialsFile(credentialsPath);
            using var credentials = CredentialLoader.Load(CredentialSourceLocator.Locate(credentialsPath));
            var roots = TrustedCaFile.Load(sandbox.CaCertificatePath);
            using var tokens = new TokenClient(credentials, roots, TimeSpan.FromSeconds(30));
            Assert.NotEmpty((await tokens.RequestSystemTokenAsync()).AccessToken);
            Assert.NotEmpty((await tokens.RequestSystemTokenAsync()).AccessToken);
        }
        finally
        {
            File.Delete(credentialsPath);
        }

        Assert.Equal(2, sandbox.GetStats().TokenRequests);
        Assert.Equal(1, sandbox.GetStats().TlsHandshakes);
        Assert.Equal(1, sandbox.TokenServiceRelay.AcceptedConnections);
    }

    [Fact]
    public async Task Without_a_round_trip_the_sandbox_has_no_relay()
    {
        await using var sandbox = await SandboxGateway.StartAsync();
        Assert.Null(sandbox.TokenServiceRelay);
        Assert.Null(sandbox.GatewayRelay);
    }

    private static async Task<Socket> ConnectAsync(LatencyRelay relay)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(relay.EndPoint);
        return socket;
    }

    // Waits for the relay to have done something (a count), not for time to pass.
    private static void WaitFor(Func<bool> condition) =>
        Assert.True(SpinWait.SpinUntil(condition, s_wait), "the relay did not get there");

    /// <summary>A one-connection TCP server on 127.0.0.1: echoes what it reads, or greets and records what it reads.</summary>
    private sealed class Upstream : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Upstream(Func<Socket, Upstream, Task> serve)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                using var socket = await _listener.AcceptSocketAsync();
                await serve(socket, this);
            });
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public Task<string> Received => _received.Task;

        public static Upstream Echo() => new(async (socket, _) =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, n));
            }

            socket.Shutdown(SocketShutdown.Send);
        });

        public static Upstream Sink() => new(async (socket, self) =>
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            self._received.TrySetResult(received.ToString());
        });

        public static Upstream Greeting(string greeting) => new(async (socket, self) =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(greeting));
            var buffer = new byte[4096];
            var n = await socket.ReceiveAsync(buffer);
            self._received.TrySetResult(Encoding.ASCII.GetString(buffer, 0, n));
        });

        public void Dispose() => _listener.Stop();
    }
}
