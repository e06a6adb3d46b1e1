return Ipv8.Fuzz.FuzzProgram.Run(args);
