"""The torch-free speech front end: text → normalized words → phoneme tokens → ids."""
