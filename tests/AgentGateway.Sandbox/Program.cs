// Placeholder entry point; the sandbox gateway is built by the token-provider and MCP issues.
Console.WriteLine("{}");
