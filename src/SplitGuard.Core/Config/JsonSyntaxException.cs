namespace SplitGuard.Core.Config;

/// <summary>A JSON syntax error: where it is (1-based line and column, JSON path) and what was expected.</summary>
public sealed class JsonSyntaxException(int line, int column, string jsonPath, string message) : Exception(message)
{
    /// <summary>1-based line of the offending character.</summary>
    public int Line { get; } = line;

    /// <summary>1-based column of the offending character.</summary>
    public int Column { get; } = column;

    /// <summary>The JSON path of the value being read when the error was found, e.g. <c>$.Cluster[0]</c>.</summary>
    public string JsonPath { get; } = jsonPath;
}
