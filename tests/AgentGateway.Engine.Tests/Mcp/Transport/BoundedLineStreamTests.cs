using System.Text;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>A local server's stdout: no line (one message) past the limit is ever handed on, whatever the reads' sizes.</summary>
public sealed class BoundedLineStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Lines_within_the_limit_pass_unchanged(int chunk)
    {
        var text = "{\"a\":1}\n" + new string('x', 10) + "\n\n" + new string('y', 10);
        var overflows = 0;
        using var stream = new BoundedLineStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), 10, () => overflows++);

        var read = await ReadAllAsync(stream, chunk);

        Assert.Equal(text, read);
        Assert.Equal(0, overflows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(4096)]
    public async Task A_line_past_the_limit_stops_reading_and_says_so_once(int chunk)
    {
        var text = "short\n" + new string('x', 11) + "\nnever";
        var overflows = 0;
        using var stream = new BoundedLineStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), 10, () => overflows++);

        await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream, chunk));
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[8]).AsTask());
        Assert.Equal(1, overflows);
    }

    [Fact]
    public async Task A_line_split_over_reads_counts_as_one()
    {
        var overflows = 0;
        using var stream = new BoundedLineStream(new MemoryStream(Encoding.UTF8.GetBytes("123456\n78901234567")), 10, () => overflows++);

        var buffer = new byte[4];
        var total = 0;
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (int n; (n = await stream.ReadAsync(buffer)) > 0;)
            {
                total += n;
            }
        });
        Assert.True(total <= 17, "no byte past the limit was handed on");
        Assert.Equal(1, overflows);
    }

    private static async Task<string> ReadAllAsync(Stream stream, int chunk)
    {
        var buffer = new byte[chunk];
        var all = new MemoryStream();
        for (int n; (n = await stream.ReadAsync(buffer)) > 0;)
        {
            all.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(all.ToArray());
    }
}
