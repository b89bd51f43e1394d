using System.Text.Json;
using ModelContextProtocol;

namespace AgentGateway.Sandbox;

/// <summary>
/// Keeps the sandbox's log quiet about the failures its callers cause on purpose: a tool that answers with a
/// JSON-RPC error (throw-error), arguments a tool cannot bind (a test skipping the schema check), a call the
/// client cancelled. The MCP SDK logs each with a stack trace, although the client gets its error and the
/// test asserts on it. Anything else (a fault of the sandbox itself) is still written.
/// </summary>
public sealed class ExpectedFailureFilterProvider : ILoggerProvider
{
    private readonly ILoggerProvider _inner;

    public ExpectedFailureFilterProvider(ILoggerProvider inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    /// <summary>Whether <paramref name="exception"/> is a failure a caller of the sandbox asked for.</summary>
    public static bool IsExpected(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is McpProtocolException or OperationCanceledException or ArgumentException or JsonException)
            {
                return true;
            }
        }

        return false;
    }

    public ILogger CreateLogger(string categoryName) => new Filter(_inner.CreateLogger(categoryName));

    public void Dispose() => _inner.Dispose();

    private sealed class Filter(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsExpected(exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
