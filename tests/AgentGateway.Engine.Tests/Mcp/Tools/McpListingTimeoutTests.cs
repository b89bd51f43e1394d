using System.Net;
using System.Net.Sockets;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

/// <summary>A multi-server listing is bounded as a whole: servers that wait for a free slot get what is left of the timeout.</summary>
public sealed class McpListingTimeoutTests : IAsyncLifetime
{
    // Accepts connections (the backlog does) and never answers a request.
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private McpClientPool _pool = null!;

    public Task InitializeAsync()
    {
        _silent.Start();
        _pool = new McpClientPool(new McpPoolOptions { Timeout = TimeSpan.FromSeconds(30), TransientRetries = 0 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        _silent.Stop();
        _silent.Dispose();
    }

    [Fact]
    public async Task Servers_past_the_listings_timeout_are_not_sent_and_fail_as_timeouts()
    {
        var port = ((IPEndPoint)_silent.LocalEndpoint).Port;
        var targets = Enumerable.Range(1, 4).Select(i => new McpTarget(new Uri($"http://127.0.0.1:{port}/mcp/{i}"))).ToArray();
        var client = new McpGatewayClient(_pool);

        var listings = await client.ListToolsAsync(targets, McpAuth.None, maxConcurrency: 2, timeout: TimeSpan.FromMilliseconds(1500));

        Assert.All(listings, l => Assert.Equal(McpErrorKind.Timeout, l.Error?.Kind));
        Assert.All(listings, l => Assert.Equal(TimeSpan.FromMilliseconds(1500), l.Error!.Timeout));

        // The first two used the whole timeout; the other two had none left, and were not sent. (1.5 s, not less: on a
        // loaded machine the first two must surely have started before the listing's time is up.)
        Assert.DoesNotContain("was not sent", listings[0].Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("was not sent", listings[1].Error!.Message, StringComparison.Ordinal);
        Assert.Contains("was not sent: the listing of 4 servers did not finish within 1.5 s", listings[2].Error!.Message, StringComparison.Ordinal);
        Assert.Contains("was not sent", listings[3].Error!.Message, StringComparison.Ordinal);
    }
}
