using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace AgentGateway.Sandbox;

/// <summary>
/// A TCP relay on 127.0.0.1 that forwards every chunk it reads to <c>upstream</c> (and back) after a fixed one-way
/// delay: put in front of a TLS listener, it makes loopback charge the round trips of a network to everything,
/// TLS handshakes included, since it forwards bytes and knows nothing of what they mean. A new connection also pays
/// the round trip of its TCP handshake, which loopback answers at once: nothing it carries is forwarded before one
/// round trip (two one-way delays) after it was accepted, as no byte can leave before the handshake on a network
/// (the first chunk of a connection thus waits three one-way delays). Per direction, chunks
/// leave in the order they arrived, each at its arrival + the delay (a chunk does not wait for the one before it
/// to have waited, as on a wire); the two directions of a connection never wait for each other. One upstream
/// connection per accepted connection, so <see cref="AcceptedConnections"/> counts the TCP connections (and TLS
/// handshakes) clients opened.
/// </summary>
public sealed class LatencyRelay : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;
    private const int ChunksInFlight = 256;
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, (Socket Client, Socket Upstream, Task Relay)> _live = new();
    private readonly Task _acceptLoop;
    private long _accepted;
    private long _chunksQueued;
    private long _bytesQueued;
    private long _chunksForwarded;
    private long _waitedTicks;
    private long _lateTicks;
    private int _disposed;

    private LatencyRelay(IPEndPoint upstream, TimeSpan oneWayDelay, TimeProvider time)
    {
        _upstream = upstream;
        OneWayDelay = oneWayDelay;
        _time = time;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 512);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Starts a relay on a free 127.0.0.1 port in front of <paramref name="upstream"/>.</summary>
    /// <param name="upstream">Where each accepted connection is relayed to.</param>
    /// <param name="oneWayDelay">How long each chunk waits before it is forwarded, in either direction (half a round trip).</param>
    /// <param name="timeProvider">The clock of the delays (tests); the system clock by default.</param>
    public static LatencyRelay Start(IPEndPoint upstream, TimeSpan oneWayDelay, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentOutOfRangeException.ThrowIfLessThan(oneWayDelay, TimeSpan.Zero);
        return new LatencyRelay(upstream, oneWayDelay, timeProvider ?? TimeProvider.System);
    }

    /// <summary>The address clients connect to.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The delay of every chunk, each way.</summary>
    public TimeSpan OneWayDelay { get; }

    /// <summary>TCP connections accepted since the start (each relayed on its own upstream connection).</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Chunks read and waiting out their delay (or already forwarded), both directions.</summary>
    public long ChunksQueued => Interlocked.Read(ref _chunksQueued);

    /// <summary>Bytes read (held for their delay or already forwarded), both directions.</summary>
    public long BytesQueued => Interlocked.Read(ref _bytesQueued);

    /// <summary>Chunks written on after their delay, both directions.</summary>
    public long ChunksForwarded => Interlocked.Read(ref _chunksForwarded);

    /// <summary>How much later than planned (its delay, and the rest of the TCP handshake's round trip) a chunk was forwarded, on average: the clock's timers, and the CPU the relay got.</summary>
    public TimeSpan MeanLateness =>
        ChunksForwarded is var n and > 0 ? TimeSpan.FromTicks(Interlocked.Read(ref _lateTicks) / n) : TimeSpan.Zero;

    /// <summary>The mean time from a chunk's arrival to its forwarding: the delay as the clock's timers kept it (a connection's first chunks include the rest of its TCP handshake's round trip).</summary>
    public TimeSpan MeanObservedDelay =>
        ChunksForwarded is var n and > 0 ? TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks) / n) : TimeSpan.Zero;

    private async Task AcceptLoopAsync()
    {
        long next = 0;
        while (true)
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
                continue;   // that one connection failed before it was accepted
            }

            // The TCP handshake's round trip, as a network would charge it: no byte leaves before it is over.
            var established = _time.GetTimestamp() + (long)(2 * OneWayDelay.TotalSeconds * _time.TimestampFrequency);
            Interlocked.Increment(ref _accepted);
            client.NoDelay = true;
            var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var id = next++;
            var relay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _live[id] = (client, upstream, relay.Task);
            _ = RelayAsync(id, client, upstream, established, relay);
        }
    }

    private async Task RelayAsync(long id, Socket client, Socket upstream, long established, TaskCompletionSource done)
    {
        void Abort()
        {
            client.Dispose();
            upstream.Dispose();
        }

        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
            await Task.WhenAll(PumpAsync(client, upstream, established, Abort), PumpAsync(upstream, client, established, Abort)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // The connection broke (or the relay stopped): nothing to forward any more.
        }
        finally
        {
            Abort();
            _live.TryRemove(id, out _);
            done.TrySetResult();
        }
    }

    /// <summary>One direction: reads chunks as they come, each forwarded by its own writer loop once its delay is over; EOF is passed on after the last chunk.</summary>
    private async Task PumpAsync(Socket from, Socket to, long established, Action abort)
    {
        var queue = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
        var writer = ForwardAsync(queue.Reader, to, abort);
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                int read;
                try
                {
                    read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                // The delay starts now, at the arrival (not when the writer gets to the chunk), or when the TCP handshake would be over.
                var arrived = _time.GetTimestamp();
                var wait = OneWayDelay + (arrived < established ? _time.GetElapsedTime(arrived, established) : TimeSpan.Zero);
                var due = wait > TimeSpan.Zero ? Task.Delay(wait, _time) : Task.CompletedTask;
                Interlocked.Add(ref _bytesQueued, read);
                Interlocked.Increment(ref _chunksQueued);
                await queue.Writer.WriteAsync(new Chunk(buffer, read, arrived, wait, due)).ConfigureAwait(false);
            }

            queue.Writer.TryComplete();
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            queue.Writer.TryComplete(e);
            abort();
        }

        await writer.ConfigureAwait(false);
    }

    private async Task ForwardAsync(ChannelReader<Chunk> queue, Socket to, Action abort)
    {
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (queue.TryRead(out var chunk))
                {
                    try
                    {
                        await chunk.Due.ConfigureAwait(false);
                        var waited = _time.GetElapsedTime(chunk.Arrived);
                        Interlocked.Add(ref _waitedTicks, waited.Ticks);
                        Interlocked.Add(ref _lateTicks, Math.Max(0, (waited - chunk.Planned).Ticks));
                        for (var sent = 0; sent < chunk.Count;)
                        {
                            sent += await to.SendAsync(chunk.Buffer.AsMemory(sent, chunk.Count - sent), SocketFlags.None).ConfigureAwait(false);
                        }

                        Interlocked.Increment(ref _chunksForwarded);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }
                }
            }

            to.Shutdown(SocketShutdown.Send);   // the other side ended its sending: pass the FIN on, after the data
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            abort();
        }
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is SocketException or IOException or ObjectDisposedException or OperationCanceledException or ChannelClosedException;

    /// <summary>Stops accepting and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var (client, upstream, _) in _live.Values)
        {
            client.Dispose();
            upstream.Dispose();
        }

        await Task.WhenAll(_live.Values.Select(c => c.Relay)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private readonly record struct Chunk(byte[] Buffer, int Count, long Arrived, TimeSpan Planned, Task Due);
}
