using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace AgentGateway.Sandbox.Tests;

public sealed class SandboxLoggingTests
{
    public static TheoryData<Exception?, bool> Failures => new()
    {
        { new McpProtocolException("refused", McpErrorCode.InvalidParams), false },
        { new TaskCanceledException(), false },
        { new ArgumentException("missing b", "arguments"), false },
        { new InvalidOperationException("wrapped", new OperationCanceledException()), false },
        { new InvalidOperationException("a fault of the sandbox"), true },
        { new NullReferenceException(), true },
        { null, true },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Writes_only_what_no_caller_asked_for(Exception? exception, bool written)
    {
        using var sink = new CapturingProvider();
        using var provider = new ExpectedFailureFilterProvider(sink);
        var logger = provider.CreateLogger("ModelContextProtocol.Server.McpServer");

        logger.LogError(exception, "tool failed");

        Assert.Equal(written ? 1 : 0, sink.Count);
    }

    private sealed class CapturingProvider : ILoggerProvider, ILogger
    {
        public int Count { get; private set; }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => Count++;

        public void Dispose()
        {
        }
    }
}
