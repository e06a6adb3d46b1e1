namespace Ipv8.Wire.Schemas;

/// <summary>A schema that cannot be used: not valid JSON, or not a valid set of classes and messages. The message says where and why, on one line.</summary>
public sealed class SchemaException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public SchemaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
