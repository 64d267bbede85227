// The encryption suite (runEncryptionContract) lands here; see the envelope package.
export {};
