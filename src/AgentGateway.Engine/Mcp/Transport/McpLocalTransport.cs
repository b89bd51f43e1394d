using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The transport of a local server: starts its process and speaks MCP over its stdin and stdout (the SDK's
/// <see cref="StreamClientTransport"/>), with stdout read through <see cref="BoundedLineStream"/>, so one message (a
/// line) longer than the response size limit is never held: reading stops there, the process is ended (what it was
/// writing cannot be skipped safely) and the request in flight fails as too large; the next request starts it again.
/// Disposing the transport ends the process (and what it started), after <c>shutdownTimeout</c> for it to exit.
/// </summary>
internal sealed class McpLocalTransport(McpLocalServer server, ProcessStartInfo start, long maxMessageSize, TimeSpan shutdownTimeout) : IClientTransport
{
    public string Name => server.Endpoint.AbsoluteUri;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                server.OnStandardError(line);
            }
        };
        if (!process.Start())
        {
            process.Dispose();
            throw new IOException($"The local MCP server '{server.CommandLine}' did not start.");
        }

        process.BeginErrorReadLine();
        var stdout = new BoundedLineStream(process.StandardOutput.BaseStream, maxMessageSize, () =>
        {
            server.MarkOversized(maxMessageSize);
            Kill(process);
        });
        try
        {
            var inner = new StreamClientTransport(process.StandardInput.BaseStream, stdout);
            var transport = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return new Owned(transport, process, shutdownTimeout);
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended meanwhile.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // It could not be ended (already ending).
        }
    }

    /// <summary>The SDK's transport over the process's streams, which ends the process when disposed.</summary>
    private sealed class Owned(ITransport inner, Process process, TimeSpan shutdownTimeout) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public System.Threading.Channels.ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

        public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            try
            {
                await inner.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (HasEnded(process))
            {
                // Its stdin is closed with it: the message did not reach it (a crash the pool had not seen yet).
                throw new LocalServerEndedException(e);
            }
        }

        private static bool HasEnded(Process process)
        {
            try
            {
                return process.WaitForExit(TimeSpan.FromMilliseconds(500));
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // stdin is closed: a well-behaved server exits; one that does not is ended after the wait.
                try
                {
                    using var wait = new CancellationTokenSource(shutdownTimeout);
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Kill(process);
                }
                catch (InvalidOperationException)
                {
                    // Not started or already gone.
                }

                process.Dispose();
            }
        }
    }
}

/// <summary>
/// A message could not be written to a local server because its process had ended: nothing reached it, so the
/// request may be sent again to a process started anew.
/// </summary>
internal sealed class LocalServerEndedException(Exception inner)
    : IOException("The local MCP server's process had ended before the message was written to it.", inner);

/// <summary>
/// A read-only stream over a local server's stdout that lets no line (one JSON-RPC message) grow past
/// <c>maxLineBytes</c>: at the first byte past it, <c>onOverflow</c> runs and reading fails.
/// </summary>
internal sealed class BoundedLineStream(Stream inner, long maxLineBytes, Action onOverflow) : ReadOnlyStream
{
    private long _line;
    private bool _overflowed;

    public override int Read(Span<byte> buffer) => Count(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(ReadOnlySpan<byte> read)
    {
        if (_overflowed)
        {
            throw new IOException("A message of the local MCP server was larger than the response size limit.");
        }

        var rest = read;
        var longest = 0L;
        for (var newline = rest.IndexOf((byte)'\n'); newline >= 0; newline = rest.IndexOf((byte)'\n'))
        {
            longest = Math.Max(longest, _line + newline);
            _line = 0;
            rest = rest[(newline + 1)..];
        }

        _line += rest.Length;
        if (longest > maxLineBytes)
        {
            _line = longest;
        }

        if (_line > maxLineBytes)
        {
            _overflowed = true;
            onOverflow();
            throw new IOException("A message of the local MCP server was larger than the response size limit.");
        }

        return read.Length;
    }
}
